/** The rows a CSV table shows at most; the rest are counted, not drawn. */
export const CSV_ROW_LIMIT = 1000;

/**
 * Rows of RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF
 * ends a row. Stops after `limit` rows and says whether more followed.
 */
export function parseCsv(text: string, limit = CSV_ROW_LIMIT): { rows: string[][]; truncated: boolean } {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const endRow = (): boolean => {
    row.push(field);
    rows.push(row);
    row = [];
    field = "";
    return rows.length >= limit;
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i += 1;
      if (endRow()) return { rows, truncated: i + 1 < text.length };
    } else field += c;
    i += 1;
  }
  if (field !== "" || row.length > 0) endRow();
  return { rows, truncated: false };
}
