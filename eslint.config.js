import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: [".tmp-*/**", "dist/**", "node_modules/**", "native/build/**", "results/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
  {
    // Only src/sys touches the system (docs/architecture.md, "Layers"): no kernel paths, no child processes elsewhere.
    files: ["src/**/*.ts"],
    ignores: ["src/sys/**"],
    rules: {
      "no-restricted-imports": ["error", { paths: ["child_process", "node:child_process"].map((name) => ({ name, message: "run programs through Sys (src/sys), so --dry-run and the command log see them" })) }],
      "no-restricted-syntax": [
        "error",
        { selector: "Literal[value=/^\\/(proc|sys|run)(\\/|$)/]", message: "/proc, /sys and /run belong to src/sys: add or use a helper there" },
        { selector: "TemplateElement[value.raw=/^\\/(proc|sys|run)(\\/|$)/]", message: "/proc, /sys and /run belong to src/sys: add or use a helper there" },
      ],
    },
  },
  {
    // Only the CLI and benchmarks print; library code emits events.
    files: ["src/cli/**", "bench/**", "bin/**", "scripts/**"],
    rules: { "no-console": "off" },
  },
  {
    files: ["bin/**", "scripts/**", "bench/**/*.js", "*.js", "*.cjs"],
    languageOptions: { globals: globals.node },
  },
);
