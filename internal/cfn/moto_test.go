package cfn_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/awscloud"
	"github.com/rootwatch/rootwatch/internal/awstest"
	"github.com/rootwatch/rootwatch/internal/cfn"
	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/deploy"
)

func TestMain(m *testing.M) { os.Exit(awstest.Main(m)) }

// accountHeader sends every request as account acct: moto picks the account
// of a request from the x-moto-account-id header, so one moto serves the
// accounts of a test without STS.
type accountHeader struct{ acct string }

func (h accountHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("x-moto-account-id", h.acct)
	return http.DefaultTransport.RoundTrip(r)
}

// motoAccount connects to account acct on the test's moto.
func motoAccount(t *testing.T, ep awstest.Target, acct string) *awscloud.Account {
	t.Helper()
	a, err := awscloud.ConnectWith(t.Context(), cloud.Config{EndpointURL: ep.URL, Region: "us-east-1"}, awscloud.Options{HTTPClient: &http.Client{Transport: accountHeader{acct}}})
	if err != nil {
		t.Fatal(err)
	}
	id, err := a.Identity(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if id.Account != acct {
		t.Fatalf("connected to account %s, want %s", id.Account, acct)
	}
	return a.(*awscloud.Account)
}

func motoEndpoint(t *testing.T) awstest.Target {
	t.Helper()
	ep := awstest.Endpoint(t)
	if ep.Kind != awstest.Moto {
		t.Skip("this test creates accounts through moto's x-moto-account-id header")
	}
	return ep
}

// waitStack waits until a stack leaves its *_IN_PROGRESS state and returns it.
func waitStack(t *testing.T, st cloud.Stacks, name string) cloud.Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for {
		s, err := st.Stack(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(s.Status, "_IN_PROGRESS") {
			return s
		}
		select {
		case <-ctx.Done():
			t.Fatalf("stack %s still %s", name, s.Status)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// createManifestStacks creates the manifest's stacks in order, as the README's
// aws cloudformation commands do, and waits for each.
func createManifestStacks(t *testing.T, a *awscloud.Account, e cfn.Export) {
	t.Helper()
	bodies := map[string][]byte{}
	for f, tmpl := range e.Templates() {
		bodies[f] = tmpl.JSON()
	}
	for _, s := range e.Manifest.Stacks {
		for _, r := range s.Regions {
			st := a.Stacks(r)
			if _, err := st.CreateStack(t.Context(), cloud.StackInput{Name: s.Name, Template: string(bodies[s.Template]), Parameters: s.Parameters, Capabilities: s.Capabilities, Tags: s.Tags}); err != nil {
				t.Fatal(err)
			}
			if got := waitStack(t, st, s.Name); got.Status != "CREATE_COMPLETE" {
				t.Fatalf("stack %s in %s: %s %s", s.Name, r, got.Status, got.StatusReason)
			}
		}
	}
}

// eventsView is what the EventBridge API says of rootwatch's rules in the
// given regions, with the account ID replaced by ACCOUNT.
type eventsView map[string]ruleView // region/bus/name -> rule

type ruleView struct {
	Rule    cloud.Rule
	Targets []cloud.Target
}

func readEvents(t *testing.T, a cloud.Account, acct string, e cfn.Export) eventsView {
	t.Helper()
	out := eventsView{}
	anon := func(s string) string { return strings.ReplaceAll(s, acct, "ACCOUNT") }
	for _, r := range e.Manifest.Regions {
		ev := a.Events(r)
		for _, bus := range []string{cloud.DefaultBus, chain.BusName} {
			rules, err := ev.Rules(t.Context(), bus, "rootwatch-")
			if errors.Is(err, cloud.ErrNotFound) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, rule := range rules {
				full, err := ev.Rule(t.Context(), bus, rule.Name)
				if err != nil {
					t.Fatal(err)
				}
				full.Tags = rule.Tags
				// moto stores the pattern of a stack's rule as Python's
				// json.dumps writes it (", " and ": "); compacting gives the
				// bytes back, members in their order.
				if full.Pattern != "" { // a heartbeat rule has a schedule instead
					var b bytes.Buffer
					if err := json.Compact(&b, []byte(full.Pattern)); err != nil {
						t.Fatal(err)
					}
					full.Pattern = b.String()
				}
				full.ARN, full.Pattern = anon(full.ARN), anon(full.Pattern)
				targets, err := ev.Targets(t.Context(), bus, rule.Name)
				if err != nil {
					t.Fatal(err)
				}
				for i := range targets {
					targets[i].ARN = anon(targets[i].ARN)
					targets[i].RoleARN = anon(targets[i].RoleARN)
					targets[i].DeadLetterARN = anon(targets[i].DeadLetterARN)
				}
				out[r+"/"+bus+"/"+rule.Name] = ruleView{Rule: full, Targets: targets}
			}
		}
	}
	return out
}

// TestStacksEqualAPIDeploy is acceptance 1 of issue 11: for one account with
// --regions us-east-1,eu-west-1, the manifest's stacks created on moto give
// alert rules, forwarding rules and targets identical, through the
// EventBridge API, to an API deploy in another account.
func TestStacksEqualAPIDeploy(t *testing.T) {
	ep := motoEndpoint(t)
	const stackAcct, apiAcct = "111111111111", "222222222222"
	o := cfn.Options{HomeRegion: "us-east-1", Regions: []string{"us-east-1", "eu-west-1"}, Emails: []string{"sec@example.com"}, Version: "v-test"}
	e, err := cfn.Render(o)
	if err != nil {
		t.Fatal(err)
	}

	sa := motoAccount(t, ep, stackAcct)
	createManifestStacks(t, sa, e)

	aa := motoAccount(t, ep, apiAcct)
	plan, _, err := deploy.Prepare(t.Context(), aa, chain.Options{HomeRegion: o.HomeRegion, Regions: o.Regions, Emails: o.Emails, Version: o.Version, CreateTrail: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(t.Context()); err != nil {
		t.Fatal(err)
	}

	got, want := readEvents(t, sa, stackAcct, e), readEvents(t, aa, apiAcct, e)
	// Every rule of the stacks: forwarding and heartbeat rules per region,
	// the alert rules, and the beat rules of the watch stack.
	n := 0
	for _, s := range e.Manifest.Stacks {
		for _, res := range e.Templates()[s.Template].Resources {
			if res.Type == cfn.TypeRule {
				n += len(s.Regions)
			}
		}
	}
	if len(want) != n {
		t.Fatalf("the API deploy has %d rootwatch rules, the stacks %d", len(want), n)
	}
	// The stack's tags are propagated as well on AWS; moto applies only the
	// template's, which are deploy's.
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rules and targets (-API deploy +stacks):\n%s", diff)
	}

	// The alarms of the watch stack: as deploy puts them.
	alarms := func(a *awscloud.Account, acct string) []cloud.Alarm {
		got, err := a.Alarms(o.HomeRegion).Alarms(t.Context(), chain.AlarmPrefix)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			got[i].ARN, got[i].State = "", ""
			for j := range got[i].AlarmActions {
				got[i].AlarmActions[j] = strings.ReplaceAll(got[i].AlarmActions[j], acct, "ACCOUNT")
			}
		}
		slices.SortFunc(got, func(x, y cloud.Alarm) int { return strings.Compare(x.Name, y.Name) })
		return got
	}
	// moto ignores AWS::CloudWatch::Alarm in a template (the stack still
	// completes): asserted, so that this test notices when moto creates them
	// and compares them; TestTemplatesAreTheSpec and the fake cover them.
	if api := alarms(aa, apiAcct); len(api) != len(e.Watch.Resources)-len(e.Manifest.Regions) {
		t.Errorf("the API deploy has %d alarms, the watch template %d", len(api), len(e.Watch.Resources)-len(e.Manifest.Regions))
	} else if got := alarms(sa, stackAcct); len(got) != 0 {
		if diff := cmp.Diff(api, got); diff != "" {
			t.Errorf("moto now creates a stack's alarms: alarms (-API deploy +stacks):\n%s", diff)
		}
	}

	// Buses, queues, topic and role: created under deploy's names and tags.
	for _, r := range e.Manifest.Regions {
		q, err := sa.Queues(r).Queue(t.Context(), chain.DLQName)
		if err != nil {
			t.Fatal(err)
		}
		if q.Tags[cloud.ManagedTag] != cloud.ManagedValue {
			t.Errorf("queue in %s: tags %v", r, q.Tags)
		}
	}
	// moto ignores an AWS::Events::EventBus's Tags (AWS applies them, and
	// the stack's tags besides): the bus must exist, untagged on moto.
	if b, err := sa.Events(o.HomeRegion).Bus(t.Context(), chain.BusName); err != nil {
		t.Error(err)
	} else if len(b.Tags) != 0 {
		t.Errorf("moto now tags a stack's bus (%v): check the tags here", b.Tags)
	}
	// The role: trust and permissions as deploy writes them.
	for _, what := range []string{"trust", "policy"} {
		read := func(a *awscloud.Account, acct string) string {
			var doc string
			if what == "trust" {
				r, err := a.Roles().Role(t.Context(), chain.ForwarderRoleName)
				if err != nil {
					t.Fatal(err)
				}
				doc = r.Trust
			} else {
				p, err := a.Roles().RolePolicy(t.Context(), chain.ForwarderRoleName, chain.ForwarderPolicyName)
				if err != nil {
					t.Fatal(err)
				}
				// moto returns a stack role's inline policy as the Python
				// repr of the template's object: read it by its quotes.
				doc = p
				if acct == stackAcct && !json.Valid([]byte(doc)) {
					doc = strings.ReplaceAll(doc, "'", `"`)
				}
			}
			return canonical(t, strings.ReplaceAll(doc, acct, "ACCOUNT"))
		}
		if diff := cmp.Diff(read(aa, apiAcct), read(sa, stackAcct)); diff != "" {
			t.Errorf("role %s (-API deploy +stacks):\n%s", what, diff)
		}
	}

	// What moto ignores (AWS::SNS::TopicPolicy, AWS::SQS::QueuePolicy,
	// AWS::SNS::Subscription): asserted, so that this test notices when moto
	// starts creating them and the comparison can cover them.
	topicARN := "arn:aws:sns:us-east-1:" + stackAcct + ":" + chain.TopicName
	tp, err := sa.Topics(o.HomeRegion).Topic(t.Context(), topicARN)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tp.Policy, chain.TopicStatementSid) {
		t.Errorf("moto now applies AWS::SNS::TopicPolicy: compare the topic policy too")
	}
	subs, err := sa.Topics(o.HomeRegion).Subscriptions(t.Context(), topicARN)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 0 {
		t.Errorf("moto now applies AWS::SNS::Subscription (%v): compare subscriptions too", subs)
	}

	// delete-stack removes what the stacks created.
	for _, s := range slices.Backward(e.Manifest.Stacks) {
		for _, r := range s.Regions {
			if err := sa.Stacks(r).DeleteStack(t.Context(), s.Name); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, r := range e.Manifest.Regions {
		if rules, err := sa.Events(r).Rules(t.Context(), cloud.DefaultBus, "rootwatch-"); err != nil || len(rules) != 0 {
			t.Errorf("after delete-stack, %s: rules %v, %v", r, rules, err)
		}
	}
}

// TestStackSetForwarders: the forwarder template, deployed through a
// self-managed StackSet on moto to two accounts in two regions, gives each
// account and region the forwarding rule deploy would create there, targeting
// that account's home bus. (moto names StackSet instances' stacks
// "StackSet:<name>", which AWS would refuse, and deploys them for real.)
func TestStackSetForwarders(t *testing.T) {
	ep := motoEndpoint(t)
	const admin = "333333333333"
	members := []string{"444444444444", "555555555555"}
	regions := []string{"eu-west-1", "ap-southeast-2"}
	o := cfn.Options{HomeRegion: "us-east-1", Regions: regions, Version: "v-test"}
	e, err := cfn.Render(o)
	if err != nil {
		t.Fatal(err)
	}
	fwd := e.Manifest.Stacks[1]
	ss := motoAccount(t, ep, admin).StackSets("us-east-1")
	if _, err := ss.CreateStackSet(t.Context(), cloud.StackSetInput{StackInput: cloud.StackInput{
		Name: fwd.Name, Template: string(e.Forwarder.JSON()), Parameters: fwd.Parameters, Tags: fwd.Tags,
	}}); err != nil {
		t.Fatal(err)
	}
	op, err := ss.AddInstances(t.Context(), fwd.Name, members, nil, regions)
	if err != nil {
		t.Fatal(err)
	}
	if status, reason, err := ss.Operation(t.Context(), fwd.Name, op); err != nil || status != "SUCCEEDED" {
		t.Fatalf("operation %s: %s %s %v", op, status, reason, err)
	}
	inst, err := ss.Instances(t.Context(), fwd.Name)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, i := range inst {
		got = append(got, i.Account+"/"+i.Region)
	}
	if diff := cmp.Diff([]string{"444444444444/ap-southeast-2", "444444444444/eu-west-1", "555555555555/ap-southeast-2", "555555555555/eu-west-1"}, got); diff != "" {
		t.Errorf("instances (-want +got):\n%s", diff)
	}

	for _, m := range members {
		want, err := chain.Desired(cloud.Identity{Account: m, Partition: "aws"}, append([]string{o.HomeRegion}, regions...), chain.Options{HomeRegion: o.HomeRegion, Regions: regions, Version: o.Version})
		if err != nil {
			t.Fatal(err)
		}
		a := motoAccount(t, ep, m)
		for _, r := range regions {
			f, _ := want.Forwarder(r)
			ev := a.Events(r)
			rule, err := ev.Rule(t.Context(), cloud.DefaultBus, chain.ForwardRuleName)
			if err != nil {
				t.Fatalf("account %s, %s: %v", m, r, err)
			}
			var b bytes.Buffer
			if err := json.Compact(&b, []byte(rule.Pattern)); err != nil {
				t.Fatal(err)
			}
			gotRule := chain.RuleSpec{Region: r, Bus: cloud.DefaultBus, Name: rule.Name, ARN: rule.ARN, Pattern: b.String(), State: rule.State, Description: rule.Description}
			targets, err := ev.Targets(t.Context(), cloud.DefaultBus, rule.Name)
			if err != nil || len(targets) != 1 {
				t.Fatalf("account %s, %s: targets %v, %v", m, r, targets, err)
			}
			gotRule.Target = targets[0]
			if diff := cmp.Diff(f.Rule, gotRule); diff != "" {
				t.Errorf("account %s, %s: forwarding rule (-deploy +StackSet):\n%s", m, r, diff)
			}
			if q, err := a.Queues(r).Queue(t.Context(), chain.DLQName); err != nil || q.ARN != f.DLQ.ARN {
				t.Errorf("account %s, %s: dead-letter queue %+v, %v", m, r, q, err)
			}
		}
		// Not in the home region, nor in the administrator account.
		if _, err := a.Events(o.HomeRegion).Rule(t.Context(), cloud.DefaultBus, chain.ForwardRuleName); !errors.Is(err, cloud.ErrNotFound) {
			t.Errorf("account %s, %s: forwarding rule: %v, want none", m, o.HomeRegion, err)
		}
	}
	if _, err := motoAccount(t, ep, admin).Events(regions[0]).Rule(t.Context(), cloud.DefaultBus, chain.ForwardRuleName); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("administrator account: forwarding rule: %v, want none", err)
	}
}

// canonical returns a JSON document with sorted keys, for comparison by meaning.
func canonical(t *testing.T, doc string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
