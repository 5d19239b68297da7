/**
 * Records accepted in one turn of the event loop go to the spool as one append: one framed
 * buffer, one entry in the group commit and one promise for all of them, rather than an
 * append, its promises and its bookkeeping per message (a few % of the event loop at full
 * rate). Each record is still durable before its message is acknowledged: every caller's
 * promise settles with the append that holds its record. The group commit (spool/group-commit.ts)
 * decides, as before, how appends share an fdatasync.
 */
export interface AppendBatcher {
  /** Resolves once the append holding `record` is durable; rejects as that append rejects. */
  add(record: string): Promise<void>;
}

export function createAppendBatcher(append: (records: string[]) => Promise<void>): AppendBatcher {
  let gathering: { records: string[]; done: Promise<void> } | null = null;
  return {
    add(record) {
      if (gathering === null) {
        const records: string[] = [];
        // Appended after this turn's I/O callbacks, together with what they accepted.
        const done = new Promise<void>((resolve, reject) => {
          setImmediate(() => {
            gathering = null;
            append(records).then(resolve, reject);
          });
        });
        gathering = { records, done };
      }
      gathering.records.push(record);
      return gathering.done;
    },
  };
}
