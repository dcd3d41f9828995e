package awscloud

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

type trails struct {
	a      *Account
	c      *cloudtrail.Client
	region string
}

// Trails lists the trails that apply to the region, shadow trails included,
// each with its logging status, management-event selection and tags, read in
// the trail's home region.
func (s *trails) Trails(ctx context.Context) ([]cloud.Trail, error) {
	out, err := s.c.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return nil, errorf(err, "describe trails in %s", s.region)
	}
	var ts []cloud.Trail
	for _, t := range out.TrailList {
		tr := cloud.Trail{
			Name:              aws.ToString(t.Name),
			ARN:               aws.ToString(t.TrailARN),
			HomeRegion:        aws.ToString(t.HomeRegion),
			Bucket:            aws.ToString(t.S3BucketName),
			MultiRegion:       aws.ToBool(t.IsMultiRegionTrail),
			GlobalEvents:      aws.ToBool(t.IncludeGlobalServiceEvents),
			Organization:      aws.ToBool(t.IsOrganizationTrail),
			LogFileValidation: aws.ToBool(t.LogFileValidationEnabled),
		}
		if tr.HomeRegion == "" {
			tr.HomeRegion = s.region
		}
		home := s.a.in(tr.HomeRegion).trail
		st, err := home.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(tr.ARN)})
		if err != nil {
			return nil, errorf(err, "get status of trail %s in %s", tr.ARN, tr.HomeRegion)
		}
		tr.Logging = aws.ToBool(st.IsLogging)
		sel, err := home.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(tr.ARN)})
		if err != nil {
			return nil, errorf(err, "get event selectors of trail %s in %s", tr.ARN, tr.HomeRegion)
		}
		tr.Management = management(sel.EventSelectors, sel.AdvancedEventSelectors)
		tags, err := home.ListTags(ctx, &cloudtrail.ListTagsInput{ResourceIdList: []string{tr.ARN}})
		if err != nil && tr.Organization {
			// A member account sees its organization's trail but may not read
			// its tags; rootwatch never tags a trail it did not create.
			tags, err = &cloudtrail.ListTagsOutput{}, nil
		}
		if err != nil {
			return nil, errorf(err, "list tags of trail %s in %s", tr.ARN, tr.HomeRegion)
		}
		for _, rt := range tags.ResourceTagList {
			for _, tag := range rt.TagsList {
				if tr.Tags == nil {
					tr.Tags = cloud.Tags{}
				}
				tr.Tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
		}
		ts = append(ts, tr)
	}
	slices.SortFunc(ts, func(x, y cloud.Trail) int { return strings.Compare(x.ARN, y.ARN) })
	return ts, nil
}

// management reads which management events a trail's selectors record: the
// union over basic selectors that include management events, or over advanced
// selectors whose eventCategory is Management (a readOnly field selects one
// half).
func management(basic []types.EventSelector, advanced []types.AdvancedEventSelector) cloud.Management {
	read, write := false, false
	for _, s := range basic {
		if s.IncludeManagementEvents != nil && !*s.IncludeManagementEvents {
			continue
		}
		switch s.ReadWriteType {
		case types.ReadWriteTypeReadOnly:
			read = true
		case types.ReadWriteTypeWriteOnly:
			write = true
		default:
			read, write = true, true
		}
	}
	for _, s := range advanced {
		isMgmt, ro, wo := false, true, true
		for _, f := range s.FieldSelectors {
			switch aws.ToString(f.Field) {
			case "eventCategory":
				isMgmt = slices.Contains(f.Equals, "Management")
			case "readOnly":
				if slices.Contains(f.Equals, "true") || slices.Contains(f.NotEquals, "false") {
					wo = false
				}
				if slices.Contains(f.Equals, "false") || slices.Contains(f.NotEquals, "true") {
					ro = false
				}
			}
		}
		if isMgmt {
			read = read || ro
			write = write || wo
		}
	}
	if len(basic) == 0 && len(advanced) == 0 {
		// No selectors at all is the trail's default: all management events.
		// (AWS returns that default selector; moto returns none.)
		return cloud.ManagementAll
	}
	switch {
	case read && write:
		return cloud.ManagementAll
	case read:
		return cloud.ManagementReadOnly
	case write:
		return cloud.ManagementWriteOnly
	}
	return cloud.ManagementNone
}

// CreateTrail creates and starts a multi-region trail. It looks for a trail of
// that name first, so that an existing one is reported as
// cloud.ErrAlreadyExists by every endpoint (moto would replace it).
func (s *trails) CreateTrail(ctx context.Context, spec cloud.TrailSpec) (cloud.Trail, error) {
	switch _, err := s.c.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String(spec.Name)}); {
	case err == nil:
		return cloud.Trail{}, fmt.Errorf("create trail %s in %s: TrailAlreadyExistsException: %w", spec.Name, s.region, cloud.ErrAlreadyExists)
	case !errors.Is(mapErr(err), cloud.ErrNotFound):
		return cloud.Trail{}, errorf(err, "look for trail %s in %s", spec.Name, s.region)
	}
	in := &cloudtrail.CreateTrailInput{
		Name:                       aws.String(spec.Name),
		S3BucketName:               aws.String(spec.Bucket),
		IsMultiRegionTrail:         aws.Bool(true),
		IncludeGlobalServiceEvents: aws.Bool(true),
		EnableLogFileValidation:    aws.Bool(true),
		IsOrganizationTrail:        aws.Bool(spec.Organization),
	}
	for k, v := range spec.Tags {
		in.TagsList = append(in.TagsList, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := s.c.CreateTrail(ctx, in)
	if err != nil {
		return cloud.Trail{}, errorf(err, "create trail %s in %s", spec.Name, s.region)
	}
	// By name: moto looks StartLogging's trail up by name only.
	if _, err := s.c.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(spec.Name)}); err != nil {
		return cloud.Trail{}, errorf(err, "start logging of trail %s in %s", spec.Name, s.region)
	}
	return cloud.Trail{
		Name:              aws.ToString(out.Name),
		ARN:               aws.ToString(out.TrailARN),
		HomeRegion:        s.region,
		Bucket:            aws.ToString(out.S3BucketName),
		MultiRegion:       aws.ToBool(out.IsMultiRegionTrail),
		GlobalEvents:      aws.ToBool(out.IncludeGlobalServiceEvents),
		Organization:      aws.ToBool(out.IsOrganizationTrail),
		LogFileValidation: aws.ToBool(out.LogFileValidationEnabled),
		Logging:           true,
		Management:        cloud.ManagementAll, // a new trail's default selector
		Tags:              cloneTags(spec.Tags),
	}, nil
}

// DeleteTrail deletes a trail in its home region. A missing trail is reported
// as cloud.ErrNotFound by every endpoint (moto would succeed).
func (s *trails) DeleteTrail(ctx context.Context, name string) error {
	if _, err := s.c.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String(name)}); err != nil {
		return errorf(err, "delete trail %s in %s", name, s.region)
	}
	if _, err := s.c.DeleteTrail(ctx, &cloudtrail.DeleteTrailInput{Name: aws.String(name)}); err != nil {
		return errorf(err, "delete trail %s in %s", name, s.region)
	}
	return nil
}

// Lookup reads one page (up to 50 events, or Options.PageSize) of the region's event history.
func (s *trails) Lookup(ctx context.Context, start, end time.Time, token string) (cloud.LookupPage, error) {
	in := &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(s.a.limit(50))}
	if !start.IsZero() {
		in.StartTime = aws.Time(start)
	}
	if !end.IsZero() {
		in.EndTime = aws.Time(end)
	}
	if token != "" {
		in.NextToken = aws.String(token)
	}
	out, err := s.c.LookupEvents(ctx, in)
	if err != nil {
		return cloud.LookupPage{}, errorf(err, "lookup events in %s", s.region)
	}
	var p cloud.LookupPage
	for _, e := range out.Events {
		p.Events = append(p.Events, aws.ToString(e.CloudTrailEvent))
	}
	p.Next = aws.ToString(out.NextToken)
	return p, nil
}
