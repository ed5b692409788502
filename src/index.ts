/** hynet's library API. */
export * from "./errors.js";
export * from "./events.js";
export * from "./sys/index.js";
