import type { WanxiangError } from '../errors.ts';
import type { RowId } from './types.ts';

/**
 * One row as read from the input, before validation: its place (`line 3` of a file, `row 3` of a
 * JSON array) and either its fields or the reason it could not be read.
 */
export type InputRow =
  | { readonly where: string; readonly fields: unknown }
  | { readonly where: string; readonly error: WanxiangError; readonly id?: RowId };
