/** Output text as a client receives it: UTF-8 when the bytes are valid UTF-8, base64 otherwise. */
export interface EncodedOutput {
  text: string;
  encoding: "utf8" | "base64";
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function encodeOutput(bytes: Buffer): EncodedOutput {
  try {
    return { text: strictUtf8.decode(bytes), encoding: "utf8" };
  } catch {
    return { text: bytes.toString("base64"), encoding: "base64" };
  }
}
