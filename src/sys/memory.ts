/**
 * Large typed arrays for the evaluator's columns, backed by transparent huge
 * pages where the kernel allows (THP "madvise" mode, Debian's default). A
 * first touch costs a page fault per 4 KiB page otherwise — microseconds each
 * on a VM, ~1 s of system time for the ~300 MiB a 2 M-packet pair fills once.
 * The advice goes through the native addon (madvise); without the addon the
 * arrays are ordinary ones.
 */
import { addonIfBuilt } from "./packetio.js";

type ArrayCtor<T> = { new (n: number): T; new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };

/** Below this an array is not worth a system call (and has no whole 2 MiB page inside). */
const MIN_BYTES = 4 << 20;

/**
 * A zeroed typed array of n elements; large ones ask for huge pages before anything touches them.
 * `shared`: backed by a SharedArrayBuffer, so that a worker thread can read it in place.
 */
export function bigArray<T extends ArrayBufferView>(ctor: ArrayCtor<T>, n: number, o: { shared?: boolean } = {}): T {
  const a = o.shared ? new ctor(new SharedArrayBuffer(n * ctor.BYTES_PER_ELEMENT)) : new ctor(n);
  if (n * ctor.BYTES_PER_ELEMENT >= MIN_BYTES) addonIfBuilt()?.adviseHugePages(a);
  return a;
}
