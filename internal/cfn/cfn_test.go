package cfn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rootwatch/rootwatch/internal/chain"
	"github.com/rootwatch/rootwatch/internal/cloud"
	"github.com/rootwatch/rootwatch/internal/golden"
	"github.com/rootwatch/rootwatch/internal/policy"
	"github.com/rootwatch/rootwatch/internal/rules"
)

var testOptions = Options{HomeRegion: "us-east-1", Regions: []string{"eu-west-1", "us-east-1", "ap-southeast-2"}, Emails: []string{"sec@example.com", "ops@example.com"}, Version: "v0.0.0-test"}

func TestGolden(t *testing.T) {
	e, err := Render(testOptions)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/"+HomeTemplateFile, e.Home.JSON())
	golden.Check(t, "testdata/"+ForwarderFile, e.Forwarder.JSON())
	golden.Check(t, "testdata/"+WatchTemplateFile, e.Watch.JSON())
	golden.Check(t, "testdata/"+ManifestFile, indentJSON(e.Manifest))
}

// TestTemplatesAreTheSpec deploys the manifest's stacks on paper: it resolves
// every template as CloudFormation would in a concrete account and region,
// reads the resources back into deploy's own types, and compares them with the
// spec deploy applies for the same account and options. Every resource and
// property deploy creates must be there, and nothing else: the reader refuses
// any property it does not know.
func TestTemplatesAreTheSpec(t *testing.T) {
	for _, tc := range []struct {
		name      string
		partition string
		o         Options
	}{
		{"three regions", "aws", testOptions},
		{"home elsewhere, no e-mail", "aws", Options{HomeRegion: "eu-central-1", Regions: []string{"us-east-1"}, Version: "v1"}},
		{"home only", "aws-us-gov", Options{HomeRegion: "us-gov-west-1", Regions: []string{"us-gov-west-1"}, Emails: []string{"a@example.org"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const acct = "123456789012"
			e, err := Render(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			want, err := chain.Desired(cloud.Identity{Account: acct, Partition: tc.partition}, e.Manifest.Regions, chain.Options{HomeRegion: tc.o.HomeRegion, Regions: tc.o.Regions, Emails: tc.o.Emails, Version: tc.o.Version})
			if err != nil {
				t.Fatal(err)
			}
			got := readSpec{Account: acct, Partition: tc.partition, HomeRegion: e.Manifest.HomeRegion}
			templates := e.Templates()
			for _, st := range e.Manifest.Stacks {
				if diff := cmp.Diff(map[string]string(want.Tags), st.Tags); diff != "" {
					t.Errorf("stack %s: tags differ from deploy's (-deploy +stack):\n%s", st.Name, diff)
				}
				tmpl, ok := templates[st.Template]
				if !ok {
					t.Fatalf("stack %s: no template %s", st.Name, st.Template)
				}
				// Round trip through the JSON the user gets.
				var parsed Template
				if err := json.Unmarshal(tmpl.JSON(), &parsed); err != nil {
					t.Fatal(err)
				}
				for _, r := range st.Regions {
					params := map[string]string{}
					for k, v := range st.Parameters {
						params[k] = v
					}
					for name, pm := range parsed.Parameters {
						if _, ok := params[name]; !ok && pm.Default != nil {
							params[name] = *pm.Default
							if name == ParamBoundary {
								// As the administrator who created the
								// boundary passes it.
								params[name] = "true"
							}
						} else if !ok {
							t.Fatalf("stack %s: the manifest gives no value for parameter %s", st.Name, name)
						}
					}
					got.read(t, parsed, stackEnv{account: acct, partition: tc.partition, region: r, params: params})
				}
			}
			got.check(t, want)
		})
	}
}

// stackEnv is where a template is deployed.
type stackEnv struct {
	account, partition, region string
	params                     map[string]string
}

func (env stackEnv) arn(service, region, resource string) string {
	return "arn:" + env.partition + ":" + service + ":" + region + ":" + env.account + ":" + resource
}

// resolve evaluates the intrinsic functions the templates use, with AWS's
// meaning of Ref and Fn::GetAtt for each resource type.
func (env stackEnv) resolve(t *testing.T, tmpl Template, v any) any {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, a := range x {
				switch k {
				case "Ref":
					if a == "AWS::NoValue" {
						return noValue{}
					}
					return env.attr(t, tmpl, a.(string), "Ref")
				case "Fn::If":
					l := a.([]any)
					if env.condition(t, tmpl, l[0].(string)) {
						return env.resolve(t, tmpl, l[1])
					}
					return env.resolve(t, tmpl, l[2])
				case "Fn::GetAtt":
					l := a.([]any)
					return env.attr(t, tmpl, l[0].(string), l[1].(string))
				case "Fn::Sub":
					s := a.(string)
					for _, p := range []struct{ k, v string }{{"AWS::AccountId", env.account}, {"AWS::Partition", env.partition}, {"AWS::Region", env.region}} {
						s = strings.ReplaceAll(s, "${"+p.k+"}", p.v)
					}
					for k, v := range env.params {
						s = strings.ReplaceAll(s, "${"+k+"}", v)
					}
					if strings.Contains(strings.ReplaceAll(s, "${!", ""), "${") {
						t.Fatalf("Fn::Sub %q: unresolved variable", a)
					}
					return strings.ReplaceAll(s, "${!", "${")
				}
				if strings.HasPrefix(k, "Fn::") {
					t.Fatalf("intrinsic %s not expected in a rootwatch template", k)
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			if r := env.resolve(t, tmpl, e); r != (noValue{}) {
				out[k] = r
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = env.resolve(t, tmpl, e)
		}
		return out
	}
	return v
}

// noValue is Ref AWS::NoValue: the property holding it is left out.
type noValue struct{}

func (env stackEnv) attr(t *testing.T, tmpl Template, id, attr string) string {
	t.Helper()
	r, ok := tmpl.Resources[id]
	if !ok {
		t.Fatalf("reference to undefined resource %s", id)
	}
	name := func(p string) string { return r.Properties[p].(string) }
	switch r.Type + "." + attr {
	case TypeBus + ".Arn":
		return env.arn("events", env.region, "event-bus/"+name("Name"))
	case TypeBus + ".Name":
		return name("Name")
	case TypeTopic + ".Ref":
		return env.arn("sns", env.region, name("TopicName"))
	case TypeRole + ".Arn":
		return env.arn("iam", "", "role/"+name("RoleName"))
	case TypeQueue + ".Arn":
		return env.arn("sqs", env.region, name("QueueName"))
	case TypeQueue + ".Ref":
		return "https://sqs." + env.region + ".amazonaws.com/" + env.account + "/" + name("QueueName")
	}
	t.Fatalf("%s of %s (%s) not expected", attr, id, r.Type)
	return ""
}

// readSpec is what the stacks create, read back into deploy's types.
type readSpec struct {
	Account, Partition, HomeRegion string

	Buses      []chain.BusSpec
	Topics     []chain.Topic
	Roles      []chain.RoleSpec
	Rules      []chain.RuleSpec
	Queues     []chain.QueueSpec
	Alarms     []cloud.Alarm
	Tags       map[string]cloud.Tags // by resource
	resources  int
	topicState map[string]string // topic ARN -> policy statement JSON
}

func (g *readSpec) read(t *testing.T, tmpl Template, env stackEnv) {
	t.Helper()
	if g.Tags == nil {
		g.Tags = map[string]cloud.Tags{}
		g.topicState = map[string]string{}
	}
	ids := tmpl.LogicalIDs()
	// Policies and subscriptions refer to queues and topics; read those first.
	first := func(id string) bool { typ := tmpl.Resources[id].Type; return typ == TypeQueue || typ == TypeTopic }
	sort.SliceStable(ids, func(i, j int) bool { return first(ids[i]) && !first(ids[j]) })
	for _, id := range ids {
		res := tmpl.Resources[id]
		if res.Condition != "" && !env.condition(t, tmpl, res.Condition) {
			continue
		}
		g.resources++
		p := env.resolve(t, tmpl, any(res.Properties)).(map[string]any)
		where := fmt.Sprintf("%s %s in %s", res.Type, id, env.region)
		take := func(k string) any {
			v, ok := p[k]
			if !ok {
				t.Fatalf("%s: no property %s", where, k)
			}
			delete(p, k)
			return v
		}
		str := func(k string) string { return take(k).(string) }
		tags := func() cloud.Tags {
			out := cloud.Tags{}
			for _, kv := range take("Tags").([]any) {
				m := kv.(map[string]any)
				out[m["Key"].(string)] = m["Value"].(string)
			}
			return out
		}
		doc := func(k string) string { return canonicalPolicy(t, take(k)) }
		switch res.Type {
		case TypeBus:
			name := str("Name")
			g.Tags["bus "+name] = tags()
			g.Buses = append(g.Buses, chain.BusSpec{Name: name, ARN: env.arn("events", env.region, "event-bus/"+name)})
		case TypeBusPolicy:
			bus, sid := str("EventBusName"), str("StatementId")
			st := take("Statement").(map[string]any)
			st["Sid"] = sid
			pol := canonicalPolicy(t, map[string]any{"Version": policy.Version, "Statement": []any{st}})
			for i := range g.Buses {
				if g.Buses[i].Name == bus {
					g.Buses[i].Policy = pol
				}
			}
		case TypeTopic:
			name := str("TopicName")
			g.Tags["topic "+name] = tags()
			g.Topics = append(g.Topics, chain.Topic{Name: name, ARN: env.arn("sns", env.region, name), Managed: true})
		case TypeTopicPolicy:
			topics := take("Topics").([]any)
			pol := doc("PolicyDocument")
			for _, tp := range topics {
				g.topicState[tp.(string)] = pol
			}
		case TypeSubscription:
			arn := str("TopicArn")
			if str("Protocol") != "email" {
				t.Errorf("%s: protocol not email", where)
			}
			e := str("Endpoint")
			for i := range g.Topics {
				if g.Topics[i].ARN == arn {
					g.Topics[i].Emails = append(g.Topics[i].Emails, e)
				}
			}
		case TypeRole:
			rs := chain.RoleSpec{Name: str("RoleName"), Description: str("Description"), Trust: doc("AssumeRolePolicyDocument")}
			rs.ARN = env.arn("iam", "", "role/"+rs.Name)
			pols := take("Policies").([]any)
			if len(pols) != 1 {
				t.Fatalf("%s: %d inline policies", where, len(pols))
			}
			pm := pols[0].(map[string]any)
			rs.PolicyName = pm["PolicyName"].(string)
			if b, ok := p["PermissionsBoundary"]; ok {
				rs.Boundary.ARN = b.(string)
				delete(p, "PermissionsBoundary")
			}
			rs.Policy = canonicalPolicy(t, pm["PolicyDocument"])
			g.Tags["role "+rs.Name] = tags()
			g.Roles = append(g.Roles, rs)
		case TypeQueue:
			name := str("QueueName")
			g.Tags["queue "+name+" "+env.region] = tags()
			g.Queues = append(g.Queues, chain.QueueSpec{Region: env.region, Name: name, ARN: env.arn("sqs", env.region, name)})
		case TypeQueuePolicy:
			pol := doc("PolicyDocument")
			for _, u := range take("Queues").([]any) {
				name := u.(string)[strings.LastIndex(u.(string), "/")+1:]
				for i := range g.Queues {
					if g.Queues[i].Region == env.region && g.Queues[i].Name == name {
						g.Queues[i].Policy = pol
					}
				}
			}
		case TypeRule:
			r := chain.RuleSpec{Region: env.region, Name: str("Name"), State: cloud.RuleState(str("State")), Description: str("Description"), Bus: cloud.DefaultBus}
			if _, ok := p["EventBusName"]; ok {
				r.Bus = str("EventBusName")
			}
			if _, ok := p["ScheduleExpression"]; ok {
				r.Schedule = str("ScheduleExpression")
			} else {
				pat, err := json.Marshal(take("EventPattern"))
				if err != nil {
					t.Fatal(err)
				}
				r.Pattern = string(pat)
			}
			if r.Bus == cloud.DefaultBus {
				r.ARN = env.arn("events", env.region, "rule/"+r.Name)
			} else {
				r.ARN = env.arn("events", env.region, "rule/"+r.Bus+"/"+r.Name)
			}
			if _, ok := p["Targets"]; ok { // a beat rule has none
				targets := take("Targets").([]any)
				if len(targets) != 1 {
					t.Fatalf("%s: %d targets", where, len(targets))
				}
				r.Target = readTarget(t, where, targets[0].(map[string]any))
			}
			g.Tags["rule "+r.ARN] = tags()
			g.Rules = append(g.Rules, r)
		case TypeAlarm:
			a := cloud.Alarm{Name: str("AlarmName"), Description: str("AlarmDescription"), Namespace: str("Namespace"), Metric: str("MetricName"),
				Statistic: str("Statistic"), Period: time.Duration(take("Period").(float64)) * time.Second, EvaluationPeriods: int(take("EvaluationPeriods").(float64)),
				Threshold: take("Threshold").(float64), Comparison: cloud.Comparison(str("ComparisonOperator")), TreatMissingData: cloud.MissingData(str("TreatMissingData")),
				ActionsEnabled: take("ActionsEnabled").(bool), Dimensions: map[string]string{}}
			for _, d := range take("Dimensions").([]any) {
				m := d.(map[string]any)
				a.Dimensions[m["Name"].(string)] = m["Value"].(string)
			}
			for _, act := range take("AlarmActions").([]any) {
				a.AlarmActions = append(a.AlarmActions, act.(string))
			}
			a.Tags = tags()
			g.Alarms = append(g.Alarms, a)
		default:
			t.Fatalf("%s: resource type deploy does not create", where)
		}
		if len(p) > 0 {
			t.Errorf("%s: properties deploy does not set: %v", where, p)
		}
	}
}

func readTarget(t *testing.T, where string, m map[string]any) cloud.Target {
	t.Helper()
	tg := cloud.Target{}
	for k, v := range m {
		switch k {
		case "Id":
			tg.ID = v.(string)
		case "Arn":
			tg.ARN = v.(string)
		case "RoleArn":
			tg.RoleARN = v.(string)
		case "DeadLetterConfig":
			tg.DeadLetterARN = v.(map[string]any)["Arn"].(string)
		case "RetryPolicy":
			rp := v.(map[string]any)
			tg.MaxAttempts = int(rp["MaximumRetryAttempts"].(float64))
			tg.MaxAge = time.Duration(rp["MaximumEventAgeInSeconds"].(float64)) * time.Second
		case "InputTransformer":
			it := v.(map[string]any)
			paths := map[string]string{}
			for pk, pv := range it["InputPathsMap"].(map[string]any) {
				paths[pk] = pv.(string)
			}
			tg.Input = &cloud.InputTransformer{Paths: paths, Template: it["InputTemplate"].(string)}
		default:
			t.Errorf("%s: target property deploy does not set: %s", where, k)
		}
	}
	return tg
}

// canonicalPolicy returns a policy document's JSON with sorted keys, for
// comparison by meaning.
func canonicalPolicy(t *testing.T, v any) string {
	t.Helper()
	if s, ok := v.(string); ok {
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// check compares what the stacks create with the spec deploy applies.
func (g *readSpec) check(t *testing.T, want chain.Spec) {
	t.Helper()
	wantBus := want.Bus
	if wantBus.Policy != "" {
		wantBus.Policy = canonicalPolicy(t, wantBus.Policy)
	}
	if diff := cmp.Diff([]chain.BusSpec{wantBus}, g.Buses); diff != "" {
		t.Errorf("buses (-deploy +stacks):\n%s", diff)
	}
	wantTopic := want.Topic
	wantTopic.Statement = policy.Statement{}
	gotTopics := slices.Clone(g.Topics)
	if diff := cmp.Diff([]chain.Topic{wantTopic}, gotTopics); diff != "" {
		t.Errorf("topics (-deploy +stacks):\n%s", diff)
	}
	wantTopicPolicy := canonicalPolicy(t, policy.Document{Version: policy.Version, Statement: policy.Statements{want.Topic.Statement}}.String())
	if diff := cmp.Diff(map[string]string{want.Topic.ARN: wantTopicPolicy}, g.topicState); diff != "" {
		t.Errorf("topic policy (-deploy +stacks):\n%s", diff)
	}
	wantRole := want.Role
	// The boundary's document is the administrator's policy, outside the
	// stack: the template names it (deploy and status check its content).
	wantRole.Boundary.Policy = ""
	wantRole.Trust = canonicalPolicy(t, wantRole.Trust)
	wantRole.Policy = canonicalPolicy(t, wantRole.Policy)
	if diff := cmp.Diff([]chain.RoleSpec{wantRole}, g.Roles); diff != "" {
		t.Errorf("roles (-deploy +stacks):\n%s", diff)
	}
	var wantQueues []chain.QueueSpec
	for _, rs := range want.Forwarders {
		q := rs.DLQ
		q.Policy = canonicalPolicy(t, q.Policy)
		wantQueues = append(wantQueues, q)
	}
	byRegionName := func(q []chain.QueueSpec) {
		sort.Slice(q, func(i, j int) bool { return q[i].Region < q[j].Region })
	}
	byRegionName(wantQueues)
	byRegionName(g.Queues)
	if diff := cmp.Diff(wantQueues, g.Queues); diff != "" {
		t.Errorf("dead-letter queues (-deploy +stacks):\n%s", diff)
	}
	// Rules: everything, the pattern byte for byte (the template embeds the
	// pack's bytes; json.Marshal of the decoded object gives them back only
	// if the order of keys is the pack's, which it is not in general, so the
	// pattern is compared by its canonical form here and byte for byte in
	// TestPatternsByteForByte).
	// The heartbeat rules (scheduled, no pattern) and the beat rules (no
	// target) are rules like the others.
	wantRules := slices.Concat(want.Rules(), want.Watch.Heartbeats, want.Watch.Beats)
	for i := range wantRules {
		if wantRules[i].Pattern != "" {
			wantRules[i].Pattern = canonicalPolicy(t, wantRules[i].Pattern)
		}
		wantRules[i].RuleID = ""
	}
	for i := range g.Rules {
		if g.Rules[i].Pattern != "" {
			g.Rules[i].Pattern = canonicalPolicy(t, g.Rules[i].Pattern)
		}
	}
	byARN := func(r []chain.RuleSpec) {
		sort.Slice(r, func(i, j int) bool { return r[i].ARN < r[j].ARN })
	}
	byARN(wantRules)
	byARN(g.Rules)
	if diff := cmp.Diff(wantRules, g.Rules); diff != "" {
		t.Errorf("rules and targets (-deploy +stacks):\n%s", diff)
	}
	// Alarms: every property deploy puts, tags included.
	byName := func(a []cloud.Alarm) { sort.Slice(a, func(i, j int) bool { return a[i].Name < a[j].Name }) }
	wantAlarms := slices.Clone(want.Watch.Alarms)
	byName(wantAlarms)
	byName(g.Alarms)
	if len(wantAlarms) == 0 {
		t.Error("the spec has no alarms")
	}
	if diff := cmp.Diff(wantAlarms, g.Alarms); diff != "" {
		t.Errorf("alarms (-deploy +stacks):\n%s", diff)
	}
	// Tags: deploy's on every resource that has tags.
	for what, tags := range g.Tags {
		if diff := cmp.Diff(want.Tags, tags); diff != "" {
			t.Errorf("%s: tags (-deploy +stacks):\n%s", what, diff)
		}
	}
	// Nothing else: one resource per thing deploy creates (the bus, the
	// topic, its policy, each subscription, the role, per region a queue,
	// its policy and a forwarding rule, and the alert rules).
	n := 1 + 1 + 1 + len(want.Topic.Emails) + 1 + 3*len(want.Forwarders) + len(want.AlertRules) +
		len(want.Watch.Heartbeats) + len(want.Watch.Beats) + len(want.Watch.Alarms)
	if want.Bus.Policy != "" {
		n++ // the bus policy
	}
	if g.resources != n {
		t.Errorf("the stacks create %d resources, deploy %d", g.resources, n)
	}
}

// TestPatternsByteForByte: every rule's EventPattern in the templates is the
// rule pack's pattern, byte for byte once the file's indentation is removed
// (CloudFormation reads the template as JSON; what it passes to EventBridge
// is the object, members in the pack's order).
func TestPatternsByteForByte(t *testing.T) {
	e, err := Render(testOptions)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{idForwardRule: rules.ForwardPattern()}
	for _, r := range rules.All() {
		want[AlertRuleLogicalID(r.ID)] = r.Pattern
	}
	got := map[string]string{}
	for _, tmpl := range []Template{e.Home, e.Forwarder} {
		var raw struct {
			Resources map[string]struct {
				Properties struct{ EventPattern json.RawMessage }
			}
		}
		if err := json.Unmarshal(tmpl.JSON(), &raw); err != nil {
			t.Fatal(err)
		}
		for id, r := range raw.Resources {
			if r.Properties.EventPattern == nil {
				continue
			}
			var b bytes.Buffer
			if err := json.Compact(&b, r.Properties.EventPattern); err != nil {
				t.Fatal(err)
			}
			if prev, ok := got[id]; ok && prev != b.String() {
				t.Errorf("%s: the two templates' patterns differ", id)
			}
			got[id] = b.String()
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("patterns (-pack +templates):\n%s", diff)
	}
}

func TestRenderRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"bad e-mail", Options{Regions: []string{"us-east-1"}, Emails: []string{"Bob <bob@example.com>"}}, "not a plain e-mail address"},
		{"bad region", Options{Regions: []string{"eu-west-1", "eu-west-1}"}}, "not a region name"},
		{"bad home region", Options{HomeRegion: "${AWS::Region}", Regions: []string{"eu-west-1"}}, "not a region name"},
		{"no regions", Options{}, "no regions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Render(tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Render: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestRefValueEscapesForeignVariables(t *testing.T) {
	got := refs(nil).value("arn:${AWS::Partition}:x:${Other}:${HomeRegion}")
	want := sub("arn:${AWS::Partition}:x:${!Other}:${HomeRegion}")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	if got := refs(nil).value("plain"); got != "plain" {
		t.Errorf("value(plain) = %v", got)
	}
}

func TestAlertRuleLogicalID(t *testing.T) {
	if got := AlertRuleLogicalID("root-console-signin-no-mfa"); got != "AlertRuleRootConsoleSigninNoMfa" {
		t.Errorf("got %s", got)
	}
}

// TestTemplatesFitInline: CloudFormation takes a template inline only up to
// MaxTemplateBody bytes (beyond, it must come from S3): the templates must
// fit, and JSON falls back to compact JSON when the indented form would not.
// The log says how much room the rule pack has left to grow.
func TestTemplatesFitInline(t *testing.T) {
	e, err := Render(Options{HomeRegion: "us-east-1", Regions: []string{"us-east-1", "eu-west-1"}, Emails: []string{"a@example.com", "b@example.com", "c@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range []Template{e.Home, e.Forwarder, e.Watch} {
		n := len(encodeJSON(tmpl, ""))
		t.Logf("%s: %d bytes compact, %d left of CloudFormation's %d", tmpl.Description[:40], n, MaxTemplateBody-n, MaxTemplateBody)
		if n := len(tmpl.JSON()); n > MaxTemplateBody {
			t.Errorf("%s: %d bytes", tmpl.Description[:40], n)
		}
	}
	big := Template{FormatVersion: "2010-09-09", Resources: map[string]Resource{}}
	for i := range 400 {
		big.Resources[fmt.Sprintf("Queue%03d", i)] = Resource{Type: TypeQueue, Properties: map[string]any{"QueueName": fmt.Sprintf("q%d", i), "Tags": tagList(map[string]string{"a": "b"})}}
	}
	indented, compact := indentTo(encodeJSON(big, ""), propertyDepth), big.JSON()
	if len(indented) <= MaxTemplateBody || len(compact) > MaxTemplateBody {
		t.Fatalf("test template: %d bytes indented, %d compact; want over and under %d", len(indented), len(compact), MaxTemplateBody)
	}
	if bytes.Contains(compact, []byte("\n\t")) {
		t.Error("a template over the limit indented is still indented")
	}
}

func TestIndentTo(t *testing.T) {
	in := `{"a":{"b":[1,{"c":"x,{y}\"z"}],"e":{}},"f":[]}` + "\n"
	want := "{\n\t\"a\": {\n\t\t\"b\": [1,{\"c\":\"x,{y}\\\"z\"}],\n\t\t\"e\": {}\n\t},\n\t\"f\": []\n}\n"
	got := string(indentTo([]byte(in), 2))
	if got != want {
		t.Errorf("indentTo:\n%s\nwant:\n%s", got, want)
	}
	var a, b any
	if json.Unmarshal([]byte(in), &a) != nil || json.Unmarshal([]byte(got), &b) != nil || !cmp.Equal(a, b) {
		t.Errorf("indentTo changed the value: %s", got)
	}
}
