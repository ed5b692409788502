import { describe, expect, it } from "vitest";
import { renderError } from "../../src/cli/render.js";
import { InputError, UsageError, fileError, PrivilegeError } from "../../src/errors.js";

describe("renderError", () => {
  it("renders code, file, byte offset, message and hint on one line", () => {
    const e = new InputError("CAPTURE_TRUNCATED", "record cut short", { file: "/x/pre.pcap", offset: 1234, hint: "re-capture" });
    const r = renderError(e);
    expect(r.line).toBe("hynet: error[CAPTURE_TRUNCATED] /x/pre.pcap (byte 1234): record cut short (hint: re-capture)");
    expect(r.line).not.toContain("\n");
    expect(r.exitCode).toBe(1);
  });

  it("renders file:line for text inputs", () => {
    const e = new InputError("TOPO_SCHEMA", "links[0].a: unknown host", { file: "t.yaml", line: 7 });
    expect(renderError(e).line).toBe("hynet: error[TOPO_SCHEMA] t.yaml:7: links[0].a: unknown host");
  });

  it("gives usage errors exit code 2", () => {
    expect(renderError(new UsageError("bad flag")).exitCode).toBe(2);
  });

  it("maps fs errors to the file and a plain cause", () => {
    const err = Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
    const r = renderError(fileError(err, "/nope/a.pcap", "read"));
    expect(r.line).toBe("hynet: error[FILE_ENOENT] /nope/a.pcap: cannot read: no such file or directory");
  });

  it("says how to get privileges", () => {
    expect(renderError(new PrivilegeError("cannot create namespace")).line).toContain("hint: run hynet as root");
  });

  it("shows a stack for unexpected errors, with a distinct exit code", () => {
    const r = renderError(new TypeError("boom"));
    expect(r.line).toContain("internal error");
    expect(r.exitCode).toBe(70);
  });
});
