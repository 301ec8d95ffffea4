/**
 * A random token per checkpoint. When a connection dies while a write commits, the writer reads
 * the run back and knows the write was its own by this token — not by a timestamp, which
 * another writer could share.
 */
export const statements = [`ALTER TABLE holdpoint.runs ADD COLUMN write_token bigint`]
