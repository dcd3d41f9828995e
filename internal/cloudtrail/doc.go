// Package cloudtrail reads CloudTrail log files, turns their records into the
// EventBridge events AWS delivers for them, and summarises records and events
// for reports. It imports only the standard library.
//
// # Reader
//
// A Reader streams the records of one file without decoding the file: Next
// yields the raw bytes of each record (a Record: its JSON object, its offset,
// its Kind). Two formats are recognised from the first bytes:
//
//   - a delivered log file, {"Records":[{…},{…},…]}, plain or gzip-compressed
//     (CloudTrail always writes "Records" as the object's first and only key);
//   - JSON lines: a sequence of JSON objects separated by white space, each an
//     EventBridge event (its top level has "detail-type") or a CloudTrail record
//     (its top level has "eventVersion"), plain or gzip-compressed.
//
// Anything else is reported as ErrNotCloudTrail. Decompression uses
// compress/gzip unless SetDecompressor gives a faster implementation of the
// same format.
//
// Three modes trade checking for speed; each reports truncation (ErrTruncated),
// a file that is not CloudTrail (ErrNotCloudTrail) and a corrupt gzip stream
// (its checksum fails at the end), with the offset where it was noticed:
//
//   - validating (the default): each record is checked to be valid JSON
//     (strings, escapes, numbers, literals and nesting), as FuzzReader verifies;
//   - delimiting (SetValidate(false)): the records of a delivered log file are
//     only delimited, following strings and brackets, about twice as fast; a
//     record is a balanced object that may be invalid inside, and the caller
//     validates the ones it uses;
//   - candidate (SetCandidates): of a delivered log file, only the records that
//     contain one of a few byte strings are delimited and yielded; the rest are
//     searched for those bytes (at memory speed), never delimited (and counted
//     by their starts if asked).
//     See SetCandidates for what this rests on and when the Reader falls back.
//
// Memory is bounded: the reader buffers one record at a time (candidate mode: the
// bytes since the last record start), and a record may be at most MaxRecordSize
// bytes (DefaultMaxRecordSize unless set). A larger record is skipped, not
// buffered: Next reports it with an error wrapping ErrRecordTooLarge and, called
// again, goes on with the next record (the reader keeps scanning the oversized
// record's bytes to find its end, so it resynchronises exactly). Every other
// error (a syntax error, truncated input, a corrupt gzip stream, a read error)
// ends the file: Next returns it again on every later call, and the file's
// remaining records are not read, since after a syntax error there is no
// reliable place to resume. Offsets count bytes of the decompressed stream from
// its start.
//
// # Bridge and summaries
//
// AppendEvent turns a record into the EventBridge event AWS delivers for it
// ("AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail", …),
// and Summarize picks out what a report shows of a record or event.
package cloudtrail
