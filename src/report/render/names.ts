/**
 * The names a figure spec shares with the renderer, apart from it so that
 * building specs (and the series page, on the main thread) does not load vega,
 * Skia and PDFKit.
 */

/** The data source every figure's spec reads its rows from. */
export const DATA_NAME = "table";

/** The fonts the figures name; DejaVu ships with Debian (fonts-dejavu-core, in scripts/setup.sh). */
export const FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif";
