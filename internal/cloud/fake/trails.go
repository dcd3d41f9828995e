package fake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

type trail struct {
	t cloud.Trail
}

type historyEvent struct {
	time   time.Time
	record string
	seq    int
}

type trails struct {
	a      *Account
	region string
}

// Trails lists the trails that apply to the region: those whose home it is and
// the multi-region trails of other regions (their shadow trails).
func (s *trails) Trails(ctx context.Context) ([]cloud.Trail, error) {
	rs, err := s.a.lock(ctx, s.region)
	if err != nil {
		return nil, fmt.Errorf("describe trails in %s: %w", s.region, err)
	}
	defer s.a.mu.Unlock()
	var out []cloud.Trail
	for _, r := range s.a.regions {
		for _, t := range s.a.region[r].trails {
			if r == rs.name || t.t.MultiRegion {
				c := t.t
				c.Tags = cloneTags(c.Tags)
				out = append(out, c)
			}
		}
	}
	slices.SortFunc(out, func(x, y cloud.Trail) int { return strings.Compare(x.ARN, y.ARN) })
	return out, nil
}

// CreateTrail creates a logging multi-region trail with global service events
// and all management events. As CloudTrail does, it requires the bucket to exist
// with a policy that lets cloudtrail.amazonaws.com check its ACL and write the
// account's logs.
func (s *trails) CreateTrail(ctx context.Context, spec cloud.TrailSpec) (cloud.Trail, error) {
	op := fmt.Sprintf("create trail %s in %s", spec.Name, s.region)
	rs, err := s.a.lock(ctx, s.region)
	if err != nil {
		return cloud.Trail{}, fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	if !validName(spec.Name, 128, "._-") {
		return cloud.Trail{}, fmt.Errorf("%s: InvalidTrailNameException: invalid trail name", op)
	}
	for _, r := range s.a.regions {
		if _, ok := s.a.region[r].trails[spec.Name]; ok {
			return cloud.Trail{}, fmt.Errorf("%s: %w", op, exists("TrailAlreadyExistsException: Trail %s already exists", spec.Name))
		}
	}
	b, ok := s.a.buckets[spec.Bucket]
	if !ok {
		return cloud.Trail{}, fmt.Errorf("%s: S3BucketDoesNotExistException: S3 bucket %s does not exist", op, spec.Bucket)
	}
	arn := "arn:aws:cloudtrail:" + s.region + ":" + s.a.id + ":trail/" + spec.Name
	keys := map[string]string{"aws:SourceArn": arn, "aws:SourceAccount": s.a.id, "s3:x-amz-acl": "bucket-owner-full-control"}
	aclOK, err1 := allows(b.policy, request{service: "cloudtrail.amazonaws.com", action: "s3:GetBucketAcl", resource: "arn:aws:s3:::" + spec.Bucket, keys: keys})
	putOK, err2 := allows(b.policy, request{service: "cloudtrail.amazonaws.com", action: "s3:PutObject", resource: "arn:aws:s3:::" + spec.Bucket + "/AWSLogs/" + s.a.id + "/CloudTrail/us-east-1/x.json.gz", keys: keys})
	if err := errors.Join(err1, err2); err != nil || !aclOK || !putOK {
		return cloud.Trail{}, fmt.Errorf("%s: InsufficientS3BucketPolicyException: Incorrect S3 bucket policy is detected for bucket: %s", op, spec.Bucket)
	}
	t := &trail{t: cloud.Trail{
		Name:              spec.Name,
		ARN:               arn,
		HomeRegion:        s.region,
		Bucket:            spec.Bucket,
		MultiRegion:       true,
		GlobalEvents:      true,
		Organization:      spec.Organization,
		Logging:           true,
		Management:        cloud.ManagementAll,
		Tags:              cloneTags(spec.Tags),
		LogFileValidation: true,
	}}
	if spec.Organization && (s.a.org == nil || s.a.org.accounts[0] != s.a) {
		return cloud.Trail{}, fmt.Errorf("%s: OrganizationNotInAllFeaturesModeException: only the management account of an organization may create an organization trail", op)
	}
	rs.trails[spec.Name] = t
	c := t.t
	c.Tags = cloneTags(c.Tags)
	return c, nil
}

// DeleteTrail deletes a trail by name or ARN; like CloudTrail, only in its home
// region.
func (s *trails) DeleteTrail(ctx context.Context, name string) error {
	op := fmt.Sprintf("delete trail %s in %s", name, s.region)
	rs, err := s.a.lock(ctx, s.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	if arnService(name) == "cloudtrail" {
		name = strings.TrimPrefix(arnResource(name), "trail/")
	}
	if _, ok := rs.trails[name]; ok {
		delete(rs.trails, name)
		return nil
	}
	for _, r := range s.a.regions {
		if _, ok := s.a.region[r].trails[name]; ok {
			return fmt.Errorf("%s: InvalidHomeRegionException: the trail's home region is %s", op, r)
		}
	}
	return fmt.Errorf("%s: %w", op, notFound("TrailNotFoundException: Unknown trail: %s", name))
}

// ErrThrottling is the error an injected throttle returns; it wraps
// cloud.ErrThrottled.
var ErrThrottling = fmt.Errorf("ThrottlingException: Rate exceeded: %w", cloud.ErrThrottled)

// Lookup returns one page of the region's event history between start and end,
// newest first, as LookupEvents does.
func (s *trails) Lookup(ctx context.Context, start, end time.Time, token string) (cloud.LookupPage, error) {
	op := fmt.Sprintf("lookup events in %s", s.region)
	rs, err := s.a.lock(ctx, s.region)
	if err != nil {
		return cloud.LookupPage{}, fmt.Errorf("%s: %w", op, err)
	}
	defer s.a.mu.Unlock()
	if rs.throttle > 0 {
		rs.throttle--
		return cloud.LookupPage{}, fmt.Errorf("%s: %w", op, ErrThrottling)
	}
	if !end.IsZero() && !start.IsZero() && end.Before(start) {
		return cloud.LookupPage{}, fmt.Errorf("%s: InvalidTimeRangeException: the end time is before the start time", op)
	}
	var sel []historyEvent
	for _, h := range rs.history {
		if (start.IsZero() || !h.time.Before(start)) && (end.IsZero() || !h.time.After(end)) {
			sel = append(sel, h)
		}
	}
	slices.SortStableFunc(sel, func(x, y historyEvent) int {
		if c := y.time.Compare(x.time); c != 0 {
			return c
		}
		return y.seq - x.seq
	})
	from := 0
	if token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(token, "page-"))
		if err != nil || !strings.HasPrefix(token, "page-") || n < 0 || n > len(sel) {
			return cloud.LookupPage{}, fmt.Errorf("%s: InvalidNextTokenException: invalid token", op)
		}
		from = n
	}
	to := min(from+s.a.pageSize, len(sel))
	page := cloud.LookupPage{}
	for _, h := range sel[from:to] {
		page.Events = append(page.Events, h.record)
	}
	if to < len(sel) {
		page.Next = "page-" + strconv.Itoa(to)
	}
	return page, nil
}

// AddEvents adds CloudTrail records (JSON objects with an eventTime) to a
// region's event history.
func (a *Account) AddEvents(region string, records ...string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	rs, ok := a.region[region]
	if !ok {
		return fmt.Errorf("add events in %s: %w", region, errRegion)
	}
	for i, r := range records {
		var rec struct {
			EventTime time.Time `json:"eventTime"`
		}
		if err := json.Unmarshal([]byte(r), &rec); err != nil {
			return fmt.Errorf("add events in %s: record %d: %w", region, i, err)
		}
		a.seq++
		rs.history = append(rs.history, historyEvent{time: rec.EventTime, record: r, seq: a.seq})
	}
	return nil
}

// ThrottleLookups makes the next n Lookup calls in region fail with
// ErrThrottling.
func (a *Account) ThrottleLookups(region string, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if rs, ok := a.region[region]; ok {
		rs.throttle = n
	}
}

// PutTrail adds or replaces a trail exactly as given (its HomeRegion decides
// where it lives), to set up trails in any state: stopped, single-region,
// write-only, organization trails.
func (a *Account) PutTrail(t cloud.Trail) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	rs, ok := a.region[t.HomeRegion]
	if !ok {
		return fmt.Errorf("put trail %s in %s: %w", t.Name, t.HomeRegion, errRegion)
	}
	if t.ARN == "" {
		t.ARN = "arn:aws:cloudtrail:" + t.HomeRegion + ":" + a.id + ":trail/" + t.Name
	}
	t.Tags = cloneTags(t.Tags)
	rs.trails[t.Name] = &trail{t: t}
	return nil
}
