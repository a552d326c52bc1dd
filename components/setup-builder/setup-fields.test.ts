import { describe, expect, it } from "vitest";
import { normalizeSetup } from "@/lib/setup/spec";
import { buildSpec, EMPTY_SETUP_FIELDS, fieldsFromSpec, setupProblems } from "./setup-fields";

describe("The setup form", () => {
  it("fills in from a stored setup and builds the same setup back", () => {
    const spec = { pip: ["requests>=2.28"], npm: ["lodash@^4.17.0"], go: ["example.com/greeting@v1.0.0"], commands: ["echo hi"] };
    expect(buildSpec(fieldsFromSpec(spec))).toEqual(spec);
  });

  it("keeps a requirements.txt as one, and turns a package.json into the same npm packages", () => {
    const fields = fieldsFromSpec({
      pip: { requirements: "requests\n# comment\n" },
      npm: { package_json: { dependencies: { lodash: "^4.17.0" }, devDependencies: { ms: "2.1.3" } } },
    });
    expect(fields).toMatchObject({ pipMode: "file", requirements: "requests\n# comment\n" });
    const rebuilt = buildSpec(fields);
    expect(rebuilt?.npm).toEqual(["lodash@^4.17.0", "ms@2.1.3"]);
    expect(normalizeSetup(rebuilt ?? {}).npm).toEqual(
      normalizeSetup({ npm: { package_json: { dependencies: { lodash: "^4.17.0", ms: "2.1.3" } } } }).npm,
    );
  });

  it("asks for hidden env values again, and takes them once given", () => {
    const fields = fieldsFromSpec({ commands: ["true"], envs: { TOKEN: "[hidden]" } });
    expect(fields.envs).toEqual([{ key: "TOKEN", value: "", hidden: true }]);
    expect(setupProblems(fields)).toEqual(["TOKEN: enter its value again (stored values are not shown), or remove the variable"]);
    const given = { ...fields, envs: [{ key: "TOKEN", value: "abc", hidden: true }] };
    expect(setupProblems(given)).toEqual([]);
    expect(buildSpec(given)?.envs).toEqual({ TOKEN: "abc" });
    expect(setupProblems({ ...fields, envs: [] })).toEqual([]);
  });

  it("reports what the server's schema refuses, and nothing for an empty form", () => {
    expect(setupProblems(EMPTY_SETUP_FIELDS)).toEqual([]);
    expect(buildSpec(EMPTY_SETUP_FIELDS)).toBeUndefined();
    expect(setupProblems({ ...EMPTY_SETUP_FIELDS, pip: ["-e ."] })[0]).toContain("cannot be options");
  });
});
