import Papa from "papaparse";

/** Rows of a CSV file shown as a table; the rest is for a download. */
export const CSV_ROW_LIMIT = 1000;

/**
 * The first `limit` rows of a CSV text (quoted fields, doubled quotes, line breaks inside quotes,
 * CRLF), and whether more followed. Parsing stops at the limit, so a large file costs little.
 */
export function parseCsv(text: string, limit = CSV_ROW_LIMIT): { rows: string[][]; truncated: boolean } {
  // One row past the limit tells whether more followed.
  const parsed = Papa.parse<string[]>(text, { preview: limit + 1, skipEmptyLines: true });
  return { rows: parsed.data.slice(0, limit), truncated: parsed.data.length > limit };
}
