package awscloud

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Destinations implements cloud.Account with EventBridge's connections and API
// destinations.
func (a *Account) Destinations(region string) cloud.Destinations {
	return &destinations{c: a.in(region).events, region: region, limit: a.limit(100)}
}

type destinations struct {
	c      *eventbridge.Client
	region string
	limit  int32
}

func authParams(spec cloud.ConnectionSpec) *types.ConnectionHttpParameters {
	if len(spec.Body) == 0 {
		return nil
	}
	p := &types.ConnectionHttpParameters{}
	for _, b := range spec.Body {
		p.BodyParameters = append(p.BodyParameters, types.ConnectionBodyParameter{
			Key: aws.String(b.Key), Value: aws.String(b.Value), IsValueSecret: b.Secret,
		})
	}
	return p
}

func (d *destinations) Connections(ctx context.Context, prefix string) ([]cloud.Connection, error) {
	var names []string
	in := &eventbridge.ListConnectionsInput{Limit: aws.Int32(d.limit)}
	if prefix != "" {
		in.NamePrefix = aws.String(prefix)
	}
	for {
		out, err := d.c.ListConnections(ctx, in)
		if err != nil {
			return nil, errorf(err, "list connections in %s", d.region)
		}
		for _, c := range out.Connections {
			names = append(names, aws.ToString(c.Name))
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	// The listing has no body parameters; describe each.
	out := make([]cloud.Connection, 0, len(names))
	for _, n := range names {
		c, err := d.Connection(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("list connections in %s: %w", d.region, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func (d *destinations) Connection(ctx context.Context, name string) (cloud.Connection, error) {
	out, err := d.c.DescribeConnection(ctx, &eventbridge.DescribeConnectionInput{Name: aws.String(name)})
	if err != nil {
		return cloud.Connection{}, errorf(err, "describe connection %s in %s", name, d.region)
	}
	c := cloud.Connection{
		Name:        aws.ToString(out.Name),
		ARN:         aws.ToString(out.ConnectionArn),
		Description: aws.ToString(out.Description),
		AuthType:    string(out.AuthorizationType),
		State:       cloud.ConnectionState(out.ConnectionState),
		StateReason: aws.ToString(out.StateReason),
		SecretARN:   aws.ToString(out.SecretArn),
	}
	if p := out.AuthParameters; p != nil {
		if p.ApiKeyAuthParameters != nil {
			c.APIKeyName = aws.ToString(p.ApiKeyAuthParameters.ApiKeyName)
		}
		if h := p.InvocationHttpParameters; h != nil {
			for _, b := range h.BodyParameters {
				c.BodyKeys = append(c.BodyKeys, aws.ToString(b.Key))
			}
		}
	}
	return c, nil
}

func (d *destinations) CreateConnection(ctx context.Context, spec cloud.ConnectionSpec) (cloud.Connection, error) {
	in := &eventbridge.CreateConnectionInput{
		Name:              aws.String(spec.Name),
		AuthorizationType: types.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &types.CreateConnectionAuthRequestParameters{
			ApiKeyAuthParameters: &types.CreateConnectionApiKeyAuthRequestParameters{
				ApiKeyName: aws.String(spec.APIKeyName), ApiKeyValue: aws.String(spec.APIKeyValue),
			},
			InvocationHttpParameters: authParams(spec),
		},
	}
	if spec.Description != "" {
		in.Description = aws.String(spec.Description)
	}
	if _, err := d.c.CreateConnection(ctx, in); err != nil {
		return cloud.Connection{}, errorf(err, "create connection %s in %s", spec.Name, d.region)
	}
	return d.Connection(ctx, spec.Name)
}

func (d *destinations) UpdateConnection(ctx context.Context, spec cloud.ConnectionSpec) (cloud.Connection, error) {
	in := &eventbridge.UpdateConnectionInput{
		Name:              aws.String(spec.Name),
		AuthorizationType: types.ConnectionAuthorizationTypeApiKey,
		Description:       aws.String(spec.Description),
		AuthParameters: &types.UpdateConnectionAuthRequestParameters{
			ApiKeyAuthParameters: &types.UpdateConnectionApiKeyAuthRequestParameters{
				ApiKeyName: aws.String(spec.APIKeyName), ApiKeyValue: aws.String(spec.APIKeyValue),
			},
			InvocationHttpParameters: authParams(spec),
		},
	}
	if _, err := d.c.UpdateConnection(ctx, in); err != nil {
		return cloud.Connection{}, errorf(err, "update connection %s in %s", spec.Name, d.region)
	}
	return d.Connection(ctx, spec.Name)
}

func (d *destinations) DeleteConnection(ctx context.Context, name string) error {
	if _, err := d.c.DeleteConnection(ctx, &eventbridge.DeleteConnectionInput{Name: aws.String(name)}); err != nil {
		return errorf(err, "delete connection %s in %s", name, d.region)
	}
	return nil
}

func (d *destinations) Destinations(ctx context.Context, prefix string) ([]cloud.Destination, error) {
	var out []cloud.Destination
	in := &eventbridge.ListApiDestinationsInput{Limit: aws.Int32(d.limit)}
	if prefix != "" {
		in.NamePrefix = aws.String(prefix)
	}
	for {
		page, err := d.c.ListApiDestinations(ctx, in)
		if err != nil {
			return nil, errorf(err, "list API destinations in %s", d.region)
		}
		for _, x := range page.ApiDestinations {
			out = append(out, cloud.Destination{
				Name:          aws.ToString(x.Name),
				ARN:           aws.ToString(x.ApiDestinationArn),
				ConnectionARN: aws.ToString(x.ConnectionArn),
				Endpoint:      aws.ToString(x.InvocationEndpoint),
				Method:        string(x.HttpMethod),
				RateLimit:     int(aws.ToInt32(x.InvocationRateLimitPerSecond)),
				State:         cloud.DestinationState(x.ApiDestinationState),
			})
		}
		if aws.ToString(page.NextToken) == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	// The listing has no description; describe each.
	for i := range out {
		full, err := d.Destination(ctx, out[i].Name)
		if err != nil {
			return nil, fmt.Errorf("list API destinations in %s: %w", d.region, err)
		}
		out[i] = full
	}
	return out, nil
}

func (d *destinations) Destination(ctx context.Context, name string) (cloud.Destination, error) {
	out, err := d.c.DescribeApiDestination(ctx, &eventbridge.DescribeApiDestinationInput{Name: aws.String(name)})
	if err != nil {
		return cloud.Destination{}, errorf(err, "describe API destination %s in %s", name, d.region)
	}
	return cloud.Destination{
		Name:          aws.ToString(out.Name),
		ARN:           aws.ToString(out.ApiDestinationArn),
		Description:   aws.ToString(out.Description),
		ConnectionARN: aws.ToString(out.ConnectionArn),
		Endpoint:      aws.ToString(out.InvocationEndpoint),
		Method:        string(out.HttpMethod),
		RateLimit:     int(aws.ToInt32(out.InvocationRateLimitPerSecond)),
		State:         cloud.DestinationState(out.ApiDestinationState),
	}, nil
}

func destinationRate(n int) *int32 {
	if n <= 0 {
		return nil
	}
	return aws.Int32(int32(n))
}

func (d *destinations) CreateDestination(ctx context.Context, in cloud.Destination) (cloud.Destination, error) {
	req := &eventbridge.CreateApiDestinationInput{
		Name:                         aws.String(in.Name),
		ConnectionArn:                aws.String(in.ConnectionARN),
		InvocationEndpoint:           aws.String(in.Endpoint),
		HttpMethod:                   types.ApiDestinationHttpMethod(in.Method),
		InvocationRateLimitPerSecond: destinationRate(in.RateLimit),
	}
	if in.Description != "" {
		req.Description = aws.String(in.Description)
	}
	if _, err := d.c.CreateApiDestination(ctx, req); err != nil {
		return cloud.Destination{}, errorf(err, "create API destination %s in %s", in.Name, d.region)
	}
	return d.Destination(ctx, in.Name)
}

func (d *destinations) UpdateDestination(ctx context.Context, in cloud.Destination) (cloud.Destination, error) {
	req := &eventbridge.UpdateApiDestinationInput{
		Name:                         aws.String(in.Name),
		ConnectionArn:                aws.String(in.ConnectionARN),
		InvocationEndpoint:           aws.String(in.Endpoint),
		HttpMethod:                   types.ApiDestinationHttpMethod(in.Method),
		InvocationRateLimitPerSecond: destinationRate(in.RateLimit),
		Description:                  aws.String(in.Description),
	}
	if _, err := d.c.UpdateApiDestination(ctx, req); err != nil {
		return cloud.Destination{}, errorf(err, "update API destination %s in %s", in.Name, d.region)
	}
	return d.Destination(ctx, in.Name)
}

func (d *destinations) DeleteDestination(ctx context.Context, name string) error {
	if _, err := d.c.DeleteApiDestination(ctx, &eventbridge.DeleteApiDestinationInput{Name: aws.String(name)}); err != nil {
		return errorf(err, "delete API destination %s in %s", name, d.region)
	}
	return nil
}
