package cloudtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Gaps of connections and API destinations.
const (
	// GapDestinationConflict: creating a connection or API destination that
	// exists replaces it, and UpdateConnection gives it a new ARN (moto).
	GapDestinationConflict = "destination-conflict"
	// GapDestinationValidation: CreateApiDestination takes any rate limit and
	// a non-HTTPS endpoint (moto).
	GapDestinationValidation = "destination-validation"
)

// suiteSecret is the secret the suite puts into connections; no description
// may return it.
const suiteSecret = "rw-s3cr3t-value-0123456789"

// testDestinations covers connections and API destinations: the secret goes in
// and never comes out, states are AUTHORIZED and ACTIVE, an API destination is
// a rule target with a role, and deletes clean up.
func testDestinations(t *testing.T, ctx context.Context, a cloud.Account, gaps Gaps) {
	d := a.Destinations(Home)
	_, err := d.Connection(ctx, "rw-none")
	wantNotFound(t, "Connection of a missing connection", err)
	_, err = d.Destination(ctx, "rw-none")
	wantNotFound(t, "Destination of a missing destination", err)

	spec := cloud.ConnectionSpec{
		Name:        "rw-pagerduty",
		Description: "rootwatch channel pagerduty events.pagerduty.com",
		APIKeyName:  "X-Rootwatch",
		APIKeyValue: "unused",
		Body:        []cloud.BodyParam{{Key: "routing_key", Value: suiteSecret, Secret: true}},
	}
	conn, err := d.CreateConnection(ctx, spec)
	check(t, "CreateConnection", err)
	if conn.State != cloud.ConnectionAuthorized || conn.AuthType != cloud.AuthAPIKey || conn.APIKeyName != "X-Rootwatch" ||
		!strings.Contains(conn.ARN, ":connection/rw-pagerduty/") || conn.SecretARN == "" {
		t.Errorf("CreateConnection = %+v, want an AUTHORIZED API_KEY connection with header X-Rootwatch and a secret", conn)
	}
	if diff := cmp.Diff([]string{"routing_key"}, conn.BodyKeys); diff != "" {
		t.Errorf("connection body keys (-want +got):\n%s", diff)
	}
	if _, ok := gaps[GapDestinationConflict]; !ok {
		_, err = d.CreateConnection(ctx, spec)
		wantExists(t, "CreateConnection again", err)
	}

	got, err := d.Connection(ctx, "rw-pagerduty")
	check(t, "Connection", err)
	if diff := cmp.Diff(conn, got); diff != "" {
		t.Errorf("Connection differs from what CreateConnection returned (-create +describe):\n%s", diff)
	}
	if strings.Contains(fmtAny(got), suiteSecret) || strings.Contains(fmtAny(got), "unused") {
		t.Errorf("Connection returned a secret: %+v", got)
	}
	list, err := d.Connections(ctx, "rw-")
	check(t, "Connections", err)
	if len(list) != 1 || list[0].Name != "rw-pagerduty" || list[0].State != cloud.ConnectionAuthorized {
		t.Errorf("Connections(rw-) = %+v, want rw-pagerduty", list)
	}

	spec.Description = "updated"
	spec.APIKeyValue = "unused-2"
	up, err := d.UpdateConnection(ctx, spec)
	check(t, "UpdateConnection", err)
	if _, ok := gaps[GapDestinationConflict]; ok {
		conn.ARN = up.ARN // moto makes a new connection
	}
	if up.Description != "updated" || up.ARN != conn.ARN {
		t.Errorf("UpdateConnection = %+v, want the description updated and the ARN kept", up)
	}

	t.Run("Validation", func(t *testing.T) {
		gaps.skip(t, GapDestinationValidation)
		for _, bad := range []cloud.Destination{
			{Name: "rw-bad", ConnectionARN: conn.ARN, Endpoint: "https://events.pagerduty.com/v2/enqueue", Method: "POST", RateLimit: 1000},
			{Name: "rw-bad", ConnectionARN: conn.ARN, Endpoint: "http://events.pagerduty.com/v2/enqueue", Method: "POST"},
		} {
			if _, err := d.CreateDestination(ctx, bad); err == nil {
				t.Errorf("CreateDestination(%+v) succeeded; AWS refuses a rate outside 1..300 and a non-HTTPS endpoint", bad)
				_ = d.DeleteDestination(ctx, "rw-bad")
			}
		}
	})
	want := cloud.Destination{
		Name:          "rw-pagerduty",
		Description:   "rootwatch channel pagerduty events.pagerduty.com",
		ConnectionARN: conn.ARN,
		Endpoint:      "https://events.pagerduty.com/v2/enqueue",
		Method:        "POST",
		RateLimit:     2,
	}
	dst, err := d.CreateDestination(ctx, want)
	check(t, "CreateDestination", err)
	if !strings.Contains(dst.ARN, ":api-destination/rw-pagerduty/") || dst.State != cloud.DestinationActive {
		t.Errorf("CreateDestination = %+v, want an ACTIVE destination with its ARN", dst)
	}
	want.ARN, want.State = dst.ARN, cloud.DestinationActive
	if diff := cmp.Diff(want, dst); diff != "" {
		t.Errorf("CreateDestination (-want +got):\n%s", diff)
	}
	if _, ok := gaps[GapDestinationConflict]; !ok {
		_, err = d.CreateDestination(ctx, want)
		wantExists(t, "CreateDestination again", err)
	}
	dsts, err := d.Destinations(ctx, "rw-")
	check(t, "Destinations", err)
	if diff := cmp.Diff([]cloud.Destination{want}, dsts); diff != "" {
		t.Errorf("Destinations (-want +got):\n%s", diff)
	}
	want.RateLimit = 1
	want.Description = "updated"
	upd, err := d.UpdateDestination(ctx, want)
	check(t, "UpdateDestination", err)
	if diff := cmp.Diff(want, upd); diff != "" {
		t.Errorf("UpdateDestination (-want +got):\n%s", diff)
	}

	// An API destination is a rule's target with a role.
	ev := a.Events(Home)
	_, err = ev.PutRule(ctx, cloud.Rule{Name: "rw-alert", Pattern: signInPattern, State: cloud.RuleEnabled})
	check(t, "PutRule", err)
	role, err := a.Roles().CreateRole(ctx, cloud.Role{Name: "rw-invoker", Trust: eventsTrust})
	check(t, "CreateRole", err)
	target := cloud.Target{
		ID: "rw-pagerduty", ARN: dst.ARN, RoleARN: role,
		Input: &cloud.InputTransformer{
			Paths:    map[string]string{"id": "$.id"},
			Template: `{"event_action":"trigger","dedup_key":<id>}`,
		},
		MaxAttempts: 20,
	}
	check(t, "PutTargets (API destination)", ev.PutTargets(ctx, "", "rw-alert", []cloud.Target{target}))
	ts, err := ev.Targets(ctx, "", "rw-alert")
	check(t, "Targets", err)
	if diff := cmp.Diff([]cloud.Target{target}, ts); diff != "" {
		t.Errorf("API destination target (-want +got):\n%s", diff)
	}
	check(t, "RemoveTargets", ev.RemoveTargets(ctx, "", "rw-alert", []string{"rw-pagerduty"}))
	check(t, "DeleteRule", ev.DeleteRule(ctx, "", "rw-alert"))
	check(t, "DeleteRole", a.Roles().DeleteRole(ctx, "rw-invoker"))

	check(t, "DeleteDestination", d.DeleteDestination(ctx, "rw-pagerduty"))
	wantNotFound(t, "DeleteDestination again", d.DeleteDestination(ctx, "rw-pagerduty"))
	check(t, "DeleteConnection", d.DeleteConnection(ctx, "rw-pagerduty"))
	wantNotFound(t, "DeleteConnection again", d.DeleteConnection(ctx, "rw-pagerduty"))
	list, err = d.Connections(ctx, "rw-")
	check(t, "Connections after delete", err)
	dsts, err2 := d.Destinations(ctx, "rw-")
	check(t, "Destinations after delete", err2)
	if len(list) != 0 || len(dsts) != 0 {
		t.Errorf("after deletes: connections %+v, destinations %+v; want none", list, dsts)
	}
}

// fmtAny renders v with every field, for secret searches.
func fmtAny(v any) string { return fmt.Sprintf("%#v", v) }

// cleanupDestinations deletes the suite's API destinations, then its
// connections (names starting with "rw-").
func cleanupDestinations(ctx context.Context, d cloud.Destinations) error {
	var errs []error
	dsts, err := d.Destinations(ctx, "rw-")
	errs = append(errs, err)
	for _, x := range dsts {
		errs = append(errs, d.DeleteDestination(ctx, x.Name))
	}
	conns, err := d.Connections(ctx, "rw-")
	errs = append(errs, err)
	for _, c := range conns {
		errs = append(errs, d.DeleteConnection(ctx, c.Name))
	}
	return errors.Join(errs...)
}
