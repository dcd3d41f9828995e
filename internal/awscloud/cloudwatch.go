package awscloud

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// The CloudWatch client is pinned to v1.52.8, the last that speaks the query
// protocol: later clients speak CBOR, which moto 5.2.1 cannot parse. AWS
// answers both.

type alarms struct {
	c      *cloudwatch.Client
	region string
	limit  int32
}

// Alarms implements cloud.Account.
func (a *Account) Alarms(region string) cloud.Alarms {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cw == nil {
		a.cw = map[string]*cloudwatch.Client{}
	}
	c, ok := a.cw[region]
	if !ok {
		c = cloudwatch.NewFromConfig(a.regionCfg(region))
		a.cw[region] = c
	}
	return &alarms{c: c, region: region, limit: a.limit(100)}
}

func (c *alarms) PutAlarm(ctx context.Context, al cloud.Alarm) error {
	in := &cloudwatch.PutMetricAlarmInput{
		AlarmName:          aws.String(al.Name),
		Namespace:          aws.String(al.Namespace),
		MetricName:         aws.String(al.Metric),
		Statistic:          types.Statistic(al.Statistic),
		Period:             aws.Int32(int32(al.Period / time.Second)),
		EvaluationPeriods:  aws.Int32(int32(al.EvaluationPeriods)),
		Threshold:          aws.Float64(al.Threshold),
		ComparisonOperator: types.ComparisonOperator(al.Comparison),
		ActionsEnabled:     aws.Bool(al.ActionsEnabled),
		AlarmActions:       al.AlarmActions,
		OKActions:          al.OKActions,
	}
	if al.Description != "" {
		in.AlarmDescription = aws.String(al.Description)
	}
	if al.TreatMissingData != "" {
		in.TreatMissingData = aws.String(string(al.TreatMissingData))
	}
	for _, k := range slices.Sorted(maps.Keys(al.Dimensions)) {
		in.Dimensions = append(in.Dimensions, types.Dimension{Name: aws.String(k), Value: aws.String(al.Dimensions[k])})
	}
	for _, k := range slices.Sorted(maps.Keys(al.Tags)) {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(al.Tags[k])})
	}
	if _, err := c.c.PutMetricAlarm(ctx, in); err != nil {
		return errorf(err, "put metric alarm %s in %s", al.Name, c.region)
	}
	return nil
}

func (c *alarms) Alarms(ctx context.Context, prefix string) ([]cloud.Alarm, error) {
	in := &cloudwatch.DescribeAlarmsInput{
		AlarmTypes: []types.AlarmType{types.AlarmTypeMetricAlarm},
		MaxRecords: aws.Int32(c.limit),
	}
	if prefix != "" {
		in.AlarmNamePrefix = aws.String(prefix)
	}
	var out []cloud.Alarm
	for {
		page, err := c.c.DescribeAlarms(ctx, in)
		if err != nil {
			return nil, errorf(err, "describe alarms %s* in %s", prefix, c.region)
		}
		for _, m := range page.MetricAlarms {
			al := fromMetricAlarm(m)
			tags, err := c.c.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: m.AlarmArn})
			if err != nil {
				return nil, errorf(err, "list tags of alarm %s in %s", al.Name, c.region)
			}
			for _, t := range tags.Tags {
				if al.Tags == nil {
					al.Tags = cloud.Tags{}
				}
				al.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			out = append(out, al)
		}
		if aws.ToString(page.NextToken) == "" {
			return out, nil
		}
		in.NextToken = page.NextToken
	}
}

func fromMetricAlarm(m types.MetricAlarm) cloud.Alarm {
	al := cloud.Alarm{
		Name:              aws.ToString(m.AlarmName),
		ARN:               aws.ToString(m.AlarmArn),
		Description:       aws.ToString(m.AlarmDescription),
		Namespace:         aws.ToString(m.Namespace),
		Metric:            aws.ToString(m.MetricName),
		Statistic:         string(m.Statistic),
		Period:            time.Duration(aws.ToInt32(m.Period)) * time.Second,
		EvaluationPeriods: int(aws.ToInt32(m.EvaluationPeriods)),
		Threshold:         aws.ToFloat64(m.Threshold),
		Comparison:        cloud.Comparison(m.ComparisonOperator),
		TreatMissingData:  cloud.MissingData(aws.ToString(m.TreatMissingData)),
		ActionsEnabled:    aws.ToBool(m.ActionsEnabled),
		AlarmActions:      m.AlarmActions,
		OKActions:         m.OKActions,
		State:             cloud.AlarmState(m.StateValue),
	}
	if al.TreatMissingData == "" {
		al.TreatMissingData = cloud.MissingMissing
	}
	for _, d := range m.Dimensions {
		if al.Dimensions == nil {
			al.Dimensions = map[string]string{}
		}
		al.Dimensions[aws.ToString(d.Name)] = aws.ToString(d.Value)
	}
	return al
}

// DeleteAlarms deletes alarms in batches of 100, CloudWatch's limit.
func (c *alarms) DeleteAlarms(ctx context.Context, names []string) error {
	for batch := range slices.Chunk(names, 100) {
		if _, err := c.c.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: batch}); err != nil {
			return errorf(err, "delete alarms %s in %s", batch, c.region)
		}
	}
	return nil
}
