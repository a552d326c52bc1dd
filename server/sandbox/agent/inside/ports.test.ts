import { describe, expect, it } from "vitest";
import { parseTable } from "./ports";

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0C38 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F41 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0000000000000000 20 4 30 10 -1
   3: 0200A8C0:1F42 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4 1 0000000000000000 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1538 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 6 1 0000000000000000 100 0 0 10 0
   2: 000080FE00000000FF005450B6AD1DFE:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 7 1 0000000000000000 100 0 0 10 0
`;

describe("listening ports from the kernel's socket tables", () => {
  it("lists sockets listening where 127.0.0.1 or ::1 reaches them", () => {
    expect(parseTable(TCP)).toEqual([8000, 3128]);
    expect(parseTable(TCP6)).toEqual([5432, 3000]);
  });

  it("leaves out connections, other addresses and lines it cannot read", () => {
    expect(parseTable("header\n garbage line\n0: zz:zz 00:00 0A\n")).toEqual([]);
    expect(parseTable("")).toEqual([]);
  });
});
