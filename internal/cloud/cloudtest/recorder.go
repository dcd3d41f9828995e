package cloudtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// ErrInjected is wrapped by the failures a Recorder injects.
var ErrInjected = errors.New("injected failure")

// IsMutating reports whether the cloud method of that name changes the account.
// It is the one place that decides; the names are the interfaces' method names.
func IsMutating(method string) bool {
	for _, p := range []string{"Create", "Put", "Set", "Delete", "Remove", "Update", "Subscribe", "Unsubscribe", "Publish", "Attach", "Detach", "Confirm"} {
		if strings.HasPrefix(method, p) {
			return true
		}
	}
	return false
}

// Recorder is a cloud.Account that passes every call to another one, counting
// calls by method name, listing the mutating ones, and failing a chosen
// mutating call on demand. It is safe for concurrent use.
type Recorder struct {
	next cloud.Account

	mu        sync.Mutex
	calls     map[string]int
	mutations []string
	seen      int  // mutating calls since the failure was armed
	failAt    int  // fail the failAt-th mutating call; 0: never
	after     bool // perform the failing call before failing it
	injected  []string
	authorize func(Call) error
	hook      func(method, region string) error

	// parent is the Recorder that counts for this one (see Org's Assume);
	// account prefixes the region in what it records.
	parent  *Recorder
	account string
}

var _ cloud.Account = (*Recorder)(nil)

// Record wraps a.
func Record(a cloud.Account) *Recorder {
	return &Recorder{next: a, calls: map[string]int{}}
}

// Unwrap returns the wrapped account (for test helpers such as the fake's).
func (r *Recorder) Unwrap() cloud.Account { return r.next }

// Calls returns how many times each method was called since the last Reset.
func (r *Recorder) Calls() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.calls)
}

// Count returns how many times method was called since the last Reset.
func (r *Recorder) Count(method string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[method]
}

// Mutations returns the mutating calls that reached the account since the last
// Reset, in order, each as "Method region resource".
func (r *Recorder) Mutations() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.mutations...)
}

// Injected returns the calls that failed by injection, as Mutations does.
func (r *Recorder) Injected() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.injected...)
}

// Reset forgets the calls so far and disarms any failure.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = map[string]int{}
	r.mutations = nil
	r.injected = nil
	r.seen, r.failAt, r.after = 0, 0, false
}

// FailMutation makes the n-th mutating call from now (n ≥ 1) fail with an error
// wrapping ErrInjected without reaching the account; n ≤ 0 disarms it. Later
// calls pass again.
func (r *Recorder) FailMutation(n int) { r.arm(n, false) }

// FailMutationAfter is FailMutation, except that the failing call is made
// before its error is returned, as when a response is lost after AWS acted.
func (r *Recorder) FailMutationAfter(n int) { r.arm(n, true) }

func (r *Recorder) arm(n int, after bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen, r.failAt, r.after = 0, max(n, 0), after
}

// do records one call and runs it unless a failure is due.
func (r *Recorder) do(method, region, resource string, fn func() error) error {
	return r.call(Call{Method: method, Region: region, Resource: resource}, fn)
}

// call records c and runs it unless the authorizer refuses it or a failure
// is due.
func (r *Recorder) call(c Call, fn func() error) error {
	if r.parent != nil {
		c.Region = r.account + ":" + c.Region
		return r.parent.call(c, fn)
	}
	method, region, resource := c.Method, c.Region, c.Resource
	desc := method + " " + region + " " + resource
	r.mu.Lock()
	if r.authorize != nil {
		if err := r.authorize(c); err != nil {
			r.mu.Unlock()
			return fmt.Errorf("%s: %w", strings.TrimSpace(desc), err)
		}
	}
	hook := r.hook
	r.calls[method]++
	fail, after := false, false
	if IsMutating(method) {
		r.seen++
		if r.failAt > 0 && r.seen == r.failAt {
			fail, after = true, r.after
			r.injected = append(r.injected, desc)
		}
		if !fail || after {
			r.mutations = append(r.mutations, desc)
		}
	}
	r.mu.Unlock()
	if fail {
		if after {
			fn()
		}
		return fmt.Errorf("%s: %w", strings.TrimSpace(desc), ErrInjected)
	}
	if hook != nil {
		if err := hook(method, region); err != nil {
			return fmt.Errorf("%s: %w", strings.TrimSpace(desc), err)
		}
	}
	return fn()
}

func (r *Recorder) Identity(ctx context.Context) (id cloud.Identity, err error) {
	err = r.do("Identity", "", "", func() (e error) { id, e = r.next.Identity(ctx); return })
	return
}

func (r *Recorder) Regions(ctx context.Context) (rs []string, err error) {
	err = r.do("Regions", "", "", func() (e error) { rs, e = r.next.Regions(ctx); return })
	return
}

func (r *Recorder) Events(region string) cloud.Events {
	return &recEvents{r: r, region: region, next: r.next.Events(region)}
}
func (r *Recorder) Topics(region string) cloud.Topics {
	return &recTopics{r: r, region: region, next: r.next.Topics(region)}
}
func (r *Recorder) Queues(region string) cloud.Queues {
	return &recQueues{r: r, region: region, next: r.next.Queues(region)}
}
func (r *Recorder) Keys(region string) cloud.Keys {
	return &recKeys{r: r, region: region, next: r.next.Keys(region)}
}
func (r *Recorder) Trails(region string) cloud.Trails {
	return &recTrails{r: r, region: region, next: r.next.Trails(region)}
}
func (r *Recorder) Roles() cloud.Roles     { return &recRoles{r: r, next: r.next.Roles()} }
func (r *Recorder) Buckets() cloud.Buckets { return &recBuckets{r: r, next: r.next.Buckets()} }

type recEvents struct {
	r      *Recorder
	region string
	next   cloud.Events
}

func (e *recEvents) Bus(ctx context.Context, name string) (b cloud.Bus, err error) {
	err = e.r.do("Bus", e.region, name, func() (x error) { b, x = e.next.Bus(ctx, name); return })
	return
}
func (e *recEvents) CreateBus(ctx context.Context, name string, tags cloud.Tags) (b cloud.Bus, err error) {
	err = e.r.do("CreateBus", e.region, name, func() (x error) { b, x = e.next.CreateBus(ctx, name, tags); return })
	return
}
func (e *recEvents) DeleteBus(ctx context.Context, name string) error {
	return e.r.do("DeleteBus", e.region, name, func() error { return e.next.DeleteBus(ctx, name) })
}
func (e *recEvents) TagBus(ctx context.Context, name string, tags cloud.Tags) error {
	return e.r.do("TagBus", e.region, name, func() error { return e.next.TagBus(ctx, name, tags) })
}
func (e *recEvents) SetBusPolicy(ctx context.Context, name, policy string) error {
	return e.r.do("SetBusPolicy", e.region, name, func() error { return e.next.SetBusPolicy(ctx, name, policy) })
}
func (e *recEvents) Rules(ctx context.Context, bus, prefix string) (rs []cloud.Rule, err error) {
	err = e.r.do("Rules", e.region, bus+"/"+prefix+"*", func() (x error) { rs, x = e.next.Rules(ctx, bus, prefix); return })
	return
}
func (e *recEvents) Rule(ctx context.Context, bus, name string) (rl cloud.Rule, err error) {
	err = e.r.do("Rule", e.region, bus+"/"+name, func() (x error) { rl, x = e.next.Rule(ctx, bus, name); return })
	return
}
func (e *recEvents) PutRule(ctx context.Context, rl cloud.Rule) (arn string, err error) {
	err = e.r.do("PutRule", e.region, rl.Bus+"/"+rl.Name, func() (x error) { arn, x = e.next.PutRule(ctx, rl); return })
	return
}
func (e *recEvents) DeleteRule(ctx context.Context, bus, name string) error {
	return e.r.do("DeleteRule", e.region, bus+"/"+name, func() error { return e.next.DeleteRule(ctx, bus, name) })
}
func (e *recEvents) Targets(ctx context.Context, bus, rule string) (ts []cloud.Target, err error) {
	err = e.r.do("Targets", e.region, bus+"/"+rule, func() (x error) { ts, x = e.next.Targets(ctx, bus, rule); return })
	return
}
func (e *recEvents) PutTargets(ctx context.Context, bus, rule string, targets []cloud.Target) error {
	return e.r.call(Call{Method: "PutTargets", Region: e.region, Resource: bus + "/" + rule, Targets: targets}, func() error { return e.next.PutTargets(ctx, bus, rule, targets) })
}
func (e *recEvents) RemoveTargets(ctx context.Context, bus, rule string, ids []string) error {
	return e.r.do("RemoveTargets", e.region, bus+"/"+rule, func() error { return e.next.RemoveTargets(ctx, bus, rule, ids) })
}
func (e *recEvents) TestPattern(ctx context.Context, pattern, event string) (ok bool, err error) {
	err = e.r.do("TestPattern", e.region, "", func() (x error) { ok, x = e.next.TestPattern(ctx, pattern, event); return })
	return
}
func (e *recEvents) PutEvents(ctx context.Context, bus string, evs []cloud.Event) error {
	return e.r.do("PutEvents", e.region, bus, func() error { return e.next.PutEvents(ctx, bus, evs) })
}

type recTopics struct {
	r      *Recorder
	region string
	next   cloud.Topics
}

func (t *recTopics) CreateTopic(ctx context.Context, name string, tags cloud.Tags) (arn string, err error) {
	err = t.r.do("CreateTopic", t.region, name, func() (x error) { arn, x = t.next.CreateTopic(ctx, name, tags); return })
	return
}
func (t *recTopics) Topic(ctx context.Context, arn string) (tp cloud.Topic, err error) {
	err = t.r.do("Topic", t.region, arn, func() (x error) { tp, x = t.next.Topic(ctx, arn); return })
	return
}
func (t *recTopics) SetTopicPolicy(ctx context.Context, arn, policy string) error {
	return t.r.do("SetTopicPolicy", t.region, arn, func() error { return t.next.SetTopicPolicy(ctx, arn, policy) })
}
func (t *recTopics) DeleteTopic(ctx context.Context, arn string) error {
	return t.r.do("DeleteTopic", t.region, arn, func() error { return t.next.DeleteTopic(ctx, arn) })
}
func (t *recTopics) Subscriptions(ctx context.Context, arn string) (s []cloud.Subscription, err error) {
	err = t.r.do("Subscriptions", t.region, arn, func() (x error) { s, x = t.next.Subscriptions(ctx, arn); return })
	return
}
func (t *recTopics) Subscribe(ctx context.Context, arn, protocol, endpoint string, raw bool) (sub string, err error) {
	err = t.r.do("Subscribe", t.region, arn+" "+protocol+":"+endpoint, func() (x error) { sub, x = t.next.Subscribe(ctx, arn, protocol, endpoint, raw); return })
	return
}
func (t *recTopics) Unsubscribe(ctx context.Context, arn string) error {
	return t.r.do("Unsubscribe", t.region, arn, func() error { return t.next.Unsubscribe(ctx, arn) })
}
func (t *recTopics) Publish(ctx context.Context, arn, subject, message string) error {
	return t.r.do("Publish", t.region, arn, func() error { return t.next.Publish(ctx, arn, subject, message) })
}

type recQueues struct {
	r      *Recorder
	region string
	next   cloud.Queues
}

func (q *recQueues) CreateQueue(ctx context.Context, name, policy string, tags cloud.Tags) (out cloud.Queue, err error) {
	err = q.r.do("CreateQueue", q.region, name, func() (x error) { out, x = q.next.CreateQueue(ctx, name, policy, tags); return })
	return
}
func (q *recQueues) Queue(ctx context.Context, name string) (out cloud.Queue, err error) {
	err = q.r.do("Queue", q.region, name, func() (x error) { out, x = q.next.Queue(ctx, name); return })
	return
}
func (q *recQueues) SetQueuePolicy(ctx context.Context, url, policy string) error {
	return q.r.do("SetQueuePolicy", q.region, url, func() error { return q.next.SetQueuePolicy(ctx, url, policy) })
}
func (q *recQueues) DeleteQueue(ctx context.Context, url string) error {
	return q.r.do("DeleteQueue", q.region, url, func() error { return q.next.DeleteQueue(ctx, url) })
}
func (q *recQueues) Receive(ctx context.Context, url string, n int, wait, visibility time.Duration) (ms []cloud.Message, err error) {
	err = q.r.do("Receive", q.region, url, func() (x error) { ms, x = q.next.Receive(ctx, url, n, wait, visibility); return })
	return
}
func (q *recQueues) DeleteMessage(ctx context.Context, url, receipt string) error {
	return q.r.do("DeleteMessage", q.region, url, func() error { return q.next.DeleteMessage(ctx, url, receipt) })
}

type recKeys struct {
	r      *Recorder
	region string
	next   cloud.Keys
}

func (k *recKeys) Key(ctx context.Context, id string) (out cloud.Key, err error) {
	err = k.r.do("Key", k.region, id, func() (x error) { out, x = k.next.Key(ctx, id); return })
	return
}
func (k *recKeys) PutKeyPolicy(ctx context.Context, id, policy string) error {
	return k.r.do("PutKeyPolicy", k.region, id, func() error { return k.next.PutKeyPolicy(ctx, id, policy) })
}

type recTrails struct {
	r      *Recorder
	region string
	next   cloud.Trails
}

func (t *recTrails) Trails(ctx context.Context) (out []cloud.Trail, err error) {
	err = t.r.do("Trails", t.region, "", func() (x error) { out, x = t.next.Trails(ctx); return })
	return
}
func (t *recTrails) CreateTrail(ctx context.Context, spec cloud.TrailSpec) (out cloud.Trail, err error) {
	err = t.r.do("CreateTrail", t.region, spec.Name, func() (x error) { out, x = t.next.CreateTrail(ctx, spec); return })
	return
}
func (t *recTrails) DeleteTrail(ctx context.Context, name string) error {
	return t.r.do("DeleteTrail", t.region, name, func() error { return t.next.DeleteTrail(ctx, name) })
}
func (t *recTrails) Lookup(ctx context.Context, start, end time.Time, token string) (out cloud.LookupPage, err error) {
	err = t.r.do("Lookup", t.region, "", func() (x error) { out, x = t.next.Lookup(ctx, start, end, token); return })
	return
}

type recRoles struct {
	r    *Recorder
	next cloud.Roles
}

func (s *recRoles) Role(ctx context.Context, name string) (out cloud.Role, err error) {
	err = s.r.do("Role", "global", name, func() (x error) { out, x = s.next.Role(ctx, name); return })
	return
}
func (s *recRoles) CreateRole(ctx context.Context, role cloud.Role) (arn string, err error) {
	err = s.r.call(Call{Method: "CreateRole", Region: "global", Resource: role.Name, Role: &role}, func() (x error) { arn, x = s.next.CreateRole(ctx, role); return })
	return
}
func (s *recRoles) UpdateTrust(ctx context.Context, name, trust string) error {
	return s.r.do("UpdateTrust", "global", name, func() error { return s.next.UpdateTrust(ctx, name, trust) })
}
func (s *recRoles) RolePolicy(ctx context.Context, role, name string) (out string, err error) {
	err = s.r.do("RolePolicy", "global", role+"/"+name, func() (x error) { out, x = s.next.RolePolicy(ctx, role, name); return })
	return
}
func (s *recRoles) PutRolePolicy(ctx context.Context, role, name, policy string) error {
	return s.r.do("PutRolePolicy", "global", role+"/"+name, func() error { return s.next.PutRolePolicy(ctx, role, name, policy) })
}
func (s *recRoles) DeleteRolePolicy(ctx context.Context, role, name string) error {
	return s.r.do("DeleteRolePolicy", "global", role+"/"+name, func() error { return s.next.DeleteRolePolicy(ctx, role, name) })
}
func (s *recRoles) DeleteRole(ctx context.Context, name string) error {
	return s.r.do("DeleteRole", "global", name, func() error { return s.next.DeleteRole(ctx, name) })
}

type recBuckets struct {
	r    *Recorder
	next cloud.Buckets
}

func (b *recBuckets) CreateBucket(ctx context.Context, name, region, policy string, tags cloud.Tags) error {
	return b.r.do("CreateBucket", region, name, func() error { return b.next.CreateBucket(ctx, name, region, policy, tags) })
}
func (b *recBuckets) BucketPolicy(ctx context.Context, name string) (out string, err error) {
	err = b.r.do("BucketPolicy", "global", name, func() (x error) { out, x = b.next.BucketPolicy(ctx, name); return })
	return
}
func (b *recBuckets) DeleteBucket(ctx context.Context, name string) error {
	return b.r.do("DeleteBucket", "global", name, func() error { return b.next.DeleteBucket(ctx, name) })
}
func (b *recBuckets) List(ctx context.Context, bucket, prefix, delimiter, token string) (out cloud.ListPage, err error) {
	err = b.r.do("List", "global", bucket+"/"+prefix, func() (x error) { out, x = b.next.List(ctx, bucket, prefix, delimiter, token); return })
	return
}
func (b *recBuckets) Open(ctx context.Context, bucket, key string) (out io.ReadCloser, err error) {
	err = b.r.do("Open", "global", bucket+"/"+key, func() (x error) { out, x = b.next.Open(ctx, bucket, key); return })
	return
}

// PutObject passes to the wrapped account when it can store objects, so that
// the conformance suite runs through a Recorder too.
func (r *Recorder) PutObject(bucket, key string, data []byte) error {
	p, ok := r.next.(ObjectPutter)
	if !ok {
		return fmt.Errorf("put object %s in bucket %s: %T cannot store objects: %w", key, bucket, r.next, cloud.ErrUnsupported)
	}
	return p.PutObject(bucket, key, data)
}
