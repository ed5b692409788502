import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "native/build/**", "results/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "error",
    },
  },
  {
    // Only the CLI and benchmarks print; library code emits events.
    files: ["src/cli/**", "bench/**", "bin/**", "scripts/**"],
    rules: { "no-console": "off" },
  },
  {
    files: ["bin/**", "scripts/**", "*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
