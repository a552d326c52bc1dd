import { cFamily } from "./c-family";
import { defineLanguage } from "./types";

export const cpp = defineLanguage({
  id: "cpp",
  label: "C++",
  aliases: ["c++", "g++", "cxx"],
  extensions: ["cpp", "cc", "cxx"],
  monaco: "cpp",
  starter: '#include <iostream>\n\nint main() {\n    std::cout << "Hello from C++" << std::endl;\n    return 0;\n}\n',
  compiled: true,
  ...cFamily("g++", ["cpp", "cc", "cxx"], []),
});
