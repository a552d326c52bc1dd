import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv";

describe("parseCsv", () => {
  it("reads plain rows, with or without a final line break", () => {
    expect(parseCsv("a,b\n1,2\n")).toEqual({
      rows: [
        ["a", "b"],
        ["1", "2"],
      ],
      truncated: false,
    });
    expect(parseCsv("a,b\r\n1,2")).toEqual({
      rows: [
        ["a", "b"],
        ["1", "2"],
      ],
      truncated: false,
    });
  });

  it("reads quoted fields with commas, quotes and line breaks", () => {
    expect(parseCsv('name,note\n"Smith, J","said ""hi""\nthen left"\n').rows).toEqual([
      ["name", "note"],
      ["Smith, J", 'said "hi"\nthen left'],
    ]);
  });

  it("keeps empty fields", () => {
    expect(parseCsv("a,,c\n").rows).toEqual([["a", "", "c"]]);
  });

  it("stops at the limit and says more followed", () => {
    expect(parseCsv("1\n2\n3\n", 2)).toEqual({ rows: [["1"], ["2"]], truncated: true });
    expect(parseCsv("1\n2\n", 2)).toEqual({ rows: [["1"], ["2"]], truncated: false });
  });
});
