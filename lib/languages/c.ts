import { cFamily } from "./c-family";
import { defineLanguage } from "./types";

export const c = defineLanguage({
  id: "c",
  label: "C",
  aliases: ["gcc"],
  extensions: ["c"],
  monaco: "c",
  starter: '#include <stdio.h>\n\nint main(void) {\n    printf("Hello from C\\n");\n    return 0;\n}\n',
  compiled: true,
  ...cFamily("gcc", ["c"], ["-lm"]),
});
