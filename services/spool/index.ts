/**
 * The durable spool between ingest and the InfluxDB writer: an accepted reading is
 * on disk (fsynced) before the device gets its PUBACK, and stays until the writer
 * acknowledges it. See README.md in this folder for the on-disk format.
 */
export { createSpool, type Spool, type SpoolBatch } from './create-spool.ts';
export { framedSize } from './frame.ts';
export type { SpoolOptions } from './options.ts';
export type { SpoolRecovery } from './recover.ts';
export { isSpoolError, SpoolError, spoolErrorCodes, type SpoolErrorCode } from './spool-errors.ts';
