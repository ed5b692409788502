/**
 * The gate's own error: whatever keeps the gate from reaching a verdict
 * (no results database, a database of another shape, budgets that do not
 * parse) exits 2, "could not evaluate", so CI can tell it from a failed check (1).
 */
import { HynetError, type ErrorDetails } from "../errors.js";

export class GateError extends HynetError {
  override readonly exitCode = 2;
  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(code, message, details);
  }
}
