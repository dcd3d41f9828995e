package cloudtest

import "github.com/rootwatch/rootwatch/internal/cloud"

// Posture passes through: audit's reads are never mutating, so the recorder
// neither counts nor fails them.
func (r *Recorder) Posture() cloud.Posture { return r.next.Posture() }
