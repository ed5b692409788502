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
    // Only the CLI and benchmarks print; library code emits events.
    files: ["src/cli/**", "bench/**", "bin/**", "scripts/**"],
    rules: { "no-console": "off" },
  },
  {
    files: ["bin/**", "scripts/**", "bench/**/*.js", "*.js"],
    languageOptions: { globals: globals.node },
  },
);
