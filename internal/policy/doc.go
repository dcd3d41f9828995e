// Package policy reads, edits and compares IAM policy documents: the one
// policy library of rootwatch. It is pure (standard library only).
//
// Three things are kept apart:
//
//   - The typed model (Document, Statement, Values, Principal) reads every
//     string-or-list field as a list, accepts the single-statement form
//     ("Statement": {...}), and writes single values as strings, the way
//     rootwatch has always written its statements.
//   - Editing (WithStatement, WithoutStatement, HasStatement) touches only the
//     statement with a given Sid: every other statement is written back with
//     exactly its JSON, and top-level keys keep their order. A document that
//     cannot be parsed is never edited (ErrMalformed).
//   - Judging (Statement.Allows, Covers, On, Denials, Match) answers "does this
//     statement let X do Y" with IAM's wildcards, without evaluating
//     conditions: callers say when a condition makes them unsure.
//
// The in-memory fake (internal/cloud/fake) keeps an IAM evaluator of its own on
// purpose: it is the independent oracle tests measure this package against.
package policy
