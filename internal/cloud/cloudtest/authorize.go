package cloudtest

import "github.com/rootwatch/rootwatch/internal/cloud"

// Call is one call as an authorizer sees it: the method, its region ("global"
// for IAM and S3 lookups) and resource as Mutations names them, and the
// arguments IAM's condition keys are drawn from.
type Call struct {
	Method   string
	Region   string
	Resource string
	Targets  []cloud.Target // PutTargets: events:TargetArn, iam:PassRole
	Role     *cloud.Role    // CreateRole, PutRoleBoundary: iam:PermissionsBoundary
}

// Authorize makes every call, Posture's included, ask fn first, as IAM
// would: a call fn refuses fails with fn's error, without reaching the
// account or counting as a call. nil removes the authorizer.
func (r *Recorder) Authorize(fn func(Call) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.authorize = fn
}
