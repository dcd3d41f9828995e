package fake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// CloudFormation, in memory: a stack applies its template's resources to the
// account through the account's own services, so what a stack creates is
// checked, delivered and refused exactly as what the API path creates. It
// knows the resource types rootwatch's templates use (buses, rules with
// targets, topics with policies and subscriptions, queues with policies,
// roles with inline policies and a boundary), the intrinsic functions Ref
// (AWS::NoValue included), Fn::GetAtt, Fn::Sub and Fn::If, and conditions of
// Fn::Equals; anything else fails the stack, as an unknown type fails it on
// AWS.
// Stacks complete at once. StackSets are not implemented (they span
// accounts); they are tested on moto.

var _ cloud.StackAccount = (*Account)(nil)

// cfnState is the account's stacks, by region and name.
type cfnState struct {
	mu     sync.Mutex
	stacks map[string]*fakeStack // region/name
}

type fakeStack struct {
	cloud.Stack
	region     string
	input      cloud.StackInput // the template applied
	resources  []stackRes       // in creation order
	events     []cloud.StackEvent
	changeSets map[string]*fakeChangeSet
}

type stackRes struct {
	cloud.StackResource
	attrs map[string]string // "Ref", "Arn", "Name"
	props json.RawMessage   // the template's properties, for change sets
	undo  func(ctx context.Context) error
}

type fakeChangeSet struct {
	cloud.ChangeSet
	input  cloud.StackInput
	create bool
}

// Stacks implements cloud.StackAccount.
func (a *Account) Stacks(region string) cloud.Stacks { return &fakeStacks{a: a, region: region} }

// StackSets implements cloud.StackAccount: every call fails with
// cloud.ErrUnsupported.
func (a *Account) StackSets(region string) cloud.StackSets { return noStackSets{} }

type fakeStacks struct {
	a      *Account
	region string
}

func (s *fakeStacks) key(name string) string { return s.region + "/" + name }

func (s *fakeStacks) state() *cfnState {
	st := &s.a.cfn
	st.mu.Lock()
	if st.stacks == nil {
		st.stacks = map[string]*fakeStack{}
	}
	st.mu.Unlock()
	return st
}

func (s *fakeStacks) get(name string) (*fakeStack, error) {
	st := s.state()
	st.mu.Lock()
	defer st.mu.Unlock()
	fs, ok := st.stacks[s.key(name)]
	if !ok || fs.Status == "DELETE_COMPLETE" {
		return nil, fmt.Errorf("stack %s in %s: %w", name, s.region, cloud.ErrNotFound)
	}
	return fs, nil
}

func (s *fakeStacks) Stack(ctx context.Context, name string) (cloud.Stack, error) {
	fs, err := s.get(name)
	if err != nil {
		return cloud.Stack{}, fmt.Errorf("describe stack: %w", err)
	}
	s.a.cfn.mu.Lock()
	defer s.a.cfn.mu.Unlock()
	out := fs.Stack
	out.Parameters, out.Outputs, out.Tags = maps.Clone(fs.Parameters), maps.Clone(fs.Outputs), maps.Clone(fs.Tags)
	return out, nil
}

func (s *fakeStacks) newStack(in cloud.StackInput, status string) (*fakeStack, error) {
	st := s.state()
	st.mu.Lock()
	defer st.mu.Unlock()
	if fs, ok := st.stacks[s.key(in.Name)]; ok && fs.Status != "DELETE_COMPLETE" {
		return nil, fmt.Errorf("create stack %s in %s: %w", in.Name, s.region, cloud.ErrAlreadyExists)
	}
	s.a.mu.Lock()
	s.a.seq++
	id := fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%08d", s.region, s.a.id, in.Name, s.a.seq)
	s.a.mu.Unlock()
	fs := &fakeStack{Stack: cloud.Stack{Name: in.Name, ID: id, Status: status}, region: s.region, changeSets: map[string]*fakeChangeSet{}}
	st.stacks[s.key(in.Name)] = fs
	return fs, nil
}

func (s *fakeStacks) CreateStack(ctx context.Context, in cloud.StackInput) (string, error) {
	if _, err := parseTemplate(in); err != nil {
		return "", fmt.Errorf("create stack %s in %s: %w", in.Name, s.region, err)
	}
	fs, err := s.newStack(in, "CREATE_IN_PROGRESS")
	if err != nil {
		return "", err
	}
	s.apply(ctx, fs, in, true)
	return fs.ID, nil
}

func (s *fakeStacks) DeleteStack(ctx context.Context, name string) error {
	fs, err := s.get(name)
	if errors.Is(err, cloud.ErrNotFound) {
		return nil
	}
	s.event(fs, name, "AWS::CloudFormation::Stack", "DELETE_IN_PROGRESS", "")
	for _, r := range slices.Backward(s.takeResources(fs)) {
		if err := r.undo(ctx); err != nil && !errors.Is(err, cloud.ErrNotFound) {
			s.event(fs, r.LogicalID, r.Type, "DELETE_FAILED", err.Error())
			s.setStatus(fs, "DELETE_FAILED", err.Error())
			return nil
		}
		s.event(fs, r.LogicalID, r.Type, "DELETE_COMPLETE", "")
	}
	s.setStatus(fs, "DELETE_COMPLETE", "")
	return nil
}

func (s *fakeStacks) Events(ctx context.Context, name string) ([]cloud.StackEvent, error) {
	fs, err := s.get(name)
	if err != nil {
		return nil, fmt.Errorf("describe stack events: %w", err)
	}
	s.a.cfn.mu.Lock()
	defer s.a.cfn.mu.Unlock()
	out := slices.Clone(fs.events)
	slices.Reverse(out) // newest first, as AWS
	return out, nil
}

func (s *fakeStacks) Resources(ctx context.Context, name string) ([]cloud.StackResource, error) {
	fs, err := s.get(name)
	if err != nil {
		return nil, fmt.Errorf("list stack resources: %w", err)
	}
	s.a.cfn.mu.Lock()
	defer s.a.cfn.mu.Unlock()
	var out []cloud.StackResource
	for _, r := range fs.resources {
		out = append(out, r.StackResource)
	}
	return out, nil
}

func (s *fakeStacks) CreateChangeSet(ctx context.Context, in cloud.StackInput, name string, create bool) (string, error) {
	t, err := parseTemplate(in)
	if err != nil {
		return "", fmt.Errorf("create change set %s of stack %s in %s: %w", name, in.Name, s.region, err)
	}
	var fs *fakeStack
	if create {
		if fs, err = s.newStack(in, "REVIEW_IN_PROGRESS"); err != nil {
			return "", err
		}
	} else if fs, err = s.get(in.Name); err != nil {
		return "", fmt.Errorf("create change set %s: %w", name, err)
	}
	cs := &fakeChangeSet{ChangeSet: cloud.ChangeSet{Name: name, ID: fs.ID + "/changeSet/" + name, Status: "CREATE_COMPLETE"}, input: in, create: create}
	s.a.cfn.mu.Lock()
	defer s.a.cfn.mu.Unlock()
	old := map[string]stackRes{}
	for _, r := range fs.resources {
		old[r.LogicalID] = r
	}
	for _, id := range t.ids {
		r := t.resources[id]
		o, ok := old[id]
		switch {
		case !ok:
			cs.Changes = append(cs.Changes, cloud.ResourceChange{Action: "Add", LogicalID: id, Type: r.Type})
		case o.Type != r.Type || !bytes.Equal(o.props, r.Properties) || !maps.Equal(fs.input.Parameters, in.Parameters):
			cs.Changes = append(cs.Changes, cloud.ResourceChange{Action: "Modify", LogicalID: id, PhysicalID: o.PhysicalID, Type: r.Type, Replacement: "Conditional"})
		}
		delete(old, id)
	}
	for _, r := range fs.resources {
		if _, ok := old[r.LogicalID]; ok {
			cs.Changes = append(cs.Changes, cloud.ResourceChange{Action: "Remove", LogicalID: r.LogicalID, PhysicalID: r.PhysicalID, Type: r.Type})
		}
	}
	if len(cs.Changes) == 0 && maps.Equal(fs.Tags, in.Tags) {
		cs.Status, cs.StatusReason = "FAILED", "The submitted information didn't contain changes. Submit different information to create a change set."
	}
	fs.changeSets[name] = cs
	return cs.ID, nil
}

func (s *fakeStacks) changeSet(stack, name string) (*fakeStack, *fakeChangeSet, error) {
	fs, err := s.get(stack)
	if err != nil {
		return nil, nil, err
	}
	s.a.cfn.mu.Lock()
	defer s.a.cfn.mu.Unlock()
	cs, ok := fs.changeSets[name]
	if !ok {
		return nil, nil, fmt.Errorf("change set %s of stack %s: %w", name, stack, cloud.ErrNotFound)
	}
	return fs, cs, nil
}

func (s *fakeStacks) ChangeSet(ctx context.Context, stack, name string) (cloud.ChangeSet, error) {
	_, cs, err := s.changeSet(stack, name)
	if err != nil {
		return cloud.ChangeSet{}, fmt.Errorf("describe change set: %w", err)
	}
	out := cs.ChangeSet
	out.Changes = slices.Clone(cs.Changes)
	return out, nil
}

func (s *fakeStacks) ExecuteChangeSet(ctx context.Context, stack, name string) error {
	fs, cs, err := s.changeSet(stack, name)
	if err != nil {
		return fmt.Errorf("execute change set: %w", err)
	}
	if cs.Status != "CREATE_COMPLETE" {
		return fmt.Errorf("execute change set %s of stack %s: change set is %s", name, stack, cs.Status)
	}
	s.a.cfn.mu.Lock()
	fs.changeSets = map[string]*fakeChangeSet{} // AWS deletes a stack's change sets once one is executed
	s.a.cfn.mu.Unlock()
	if cs.create {
		s.apply(ctx, fs, cs.input, true)
		return nil
	}
	// An update: remove what the stack had, then apply the new template. (AWS
	// updates in place where it can; the end state is the same.)
	s.event(fs, stack, "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", "")
	for _, r := range slices.Backward(s.takeResources(fs)) {
		if err := r.undo(ctx); err != nil && !errors.Is(err, cloud.ErrNotFound) {
			s.setStatus(fs, "UPDATE_ROLLBACK_FAILED", err.Error())
			return nil
		}
	}
	s.apply(ctx, fs, cs.input, false)
	return nil
}

func (s *fakeStacks) DeleteChangeSet(ctx context.Context, stack, name string) error {
	fs, _, err := s.changeSet(stack, name)
	if err != nil {
		return fmt.Errorf("delete change set: %w", err)
	}
	s.a.cfn.mu.Lock()
	defer s.a.cfn.mu.Unlock()
	delete(fs.changeSets, name)
	return nil
}

// takeResources empties the stack's resource list and returns what it held.
func (s *fakeStacks) takeResources(fs *fakeStack) []stackRes {
	s.a.cfn.mu.Lock()
	defer s.a.cfn.mu.Unlock()
	rs := fs.resources
	fs.resources = nil
	return rs
}

func (s *fakeStacks) event(fs *fakeStack, logical, typ, status, reason string) {
	s.a.cfn.mu.Lock()
	defer s.a.cfn.mu.Unlock()
	t := s.a.now()
	if n := len(fs.events); n > 0 && !t.After(fs.events[n-1].Time) {
		t = fs.events[n-1].Time.Add(time.Millisecond) // keep the order in a frozen clock
	}
	fs.events = append(fs.events, cloud.StackEvent{Time: t, LogicalID: logical, Type: typ, Status: status, StatusReason: reason})
}

func (s *fakeStacks) setStatus(fs *fakeStack, status, reason string) {
	s.event(fs, fs.Name, "AWS::CloudFormation::Stack", status, reason)
	s.a.cfn.mu.Lock()
	defer s.a.cfn.mu.Unlock()
	fs.Status, fs.StatusReason = status, reason
}

// apply creates the template's resources in dependency order; the first
// failure rolls back what was created.
func (s *fakeStacks) apply(ctx context.Context, fs *fakeStack, in cloud.StackInput, create bool) {
	verb := "CREATE"
	if !create {
		verb = "UPDATE"
	}
	s.a.cfn.mu.Lock()
	fs.input, fs.Parameters, fs.Tags = in, maps.Clone(in.Parameters), maps.Clone(in.Tags)
	s.a.cfn.mu.Unlock()
	s.event(fs, fs.Name, "AWS::CloudFormation::Stack", verb+"_IN_PROGRESS", "")
	t, _ := parseTemplate(in) // parsed before
	env := &stackEnv{s: s, fs: fs, t: t, created: map[string]stackRes{}}
	for _, id := range t.order() {
		if c := t.resources[id].Condition; c != "" {
			holds, err := env.condition(c)
			if err != nil {
				s.event(fs, id, t.resources[id].Type, "CREATE_FAILED", err.Error())
				s.setStatus(fs, "ROLLBACK_COMPLETE", err.Error())
				return
			}
			if !holds {
				continue
			}
		}
		r, err := env.create(ctx, id)
		if err != nil {
			s.event(fs, id, t.resources[id].Type, "CREATE_FAILED", err.Error())
			for _, c := range slices.Backward(s.takeResources(fs)) {
				c.undo(ctx)
				s.event(fs, c.LogicalID, c.Type, "DELETE_COMPLETE", "")
			}
			if create {
				s.setStatus(fs, "ROLLBACK_COMPLETE", "The following resource(s) failed to create: ["+id+"].")
			} else {
				s.setStatus(fs, "UPDATE_ROLLBACK_FAILED", "The following resource(s) failed to update: ["+id+"].")
			}
			return
		}
		env.created[id] = r
		s.a.cfn.mu.Lock()
		fs.resources = append(fs.resources, r)
		s.a.cfn.mu.Unlock()
		s.event(fs, id, r.Type, "CREATE_COMPLETE", "")
	}
	outputs := map[string]string{}
	for k, o := range t.outputs {
		v, err := env.resolve(o)
		if s, ok := v.(string); err == nil && ok {
			outputs[k] = s
		}
	}
	s.a.cfn.mu.Lock()
	fs.Outputs = outputs
	s.a.cfn.mu.Unlock()
	s.setStatus(fs, verb+"_COMPLETE", "")
}

// template is a parsed template.
type template struct {
	ids       []string // logical IDs, sorted
	resources map[string]struct {
		Type       string
		Condition  string
		Properties json.RawMessage
	}
	conditions map[string]any
	params     map[string]string
	outputs    map[string]any
}

func parseTemplate(in cloud.StackInput) (*template, error) {
	var raw struct {
		Parameters map[string]struct{ Default *string }
		Conditions map[string]any
		Resources  map[string]struct {
			Type       string
			Condition  string
			Properties json.RawMessage
		}
		Outputs map[string]struct{ Value any }
	}
	if err := json.Unmarshal([]byte(in.Template), &raw); err != nil {
		return nil, fmt.Errorf("template format error: %v", err)
	}
	t := &template{resources: raw.Resources, conditions: raw.Conditions, params: map[string]string{}, outputs: map[string]any{}}
	for id, r := range raw.Resources {
		if _, ok := raw.Conditions[r.Condition]; r.Condition != "" && !ok {
			return nil, fmt.Errorf("template error: resource %s refers to condition %s, which is not defined", id, r.Condition)
		}
	}
	for k, p := range raw.Parameters {
		v, ok := in.Parameters[k]
		if !ok && p.Default == nil {
			return nil, fmt.Errorf("parameters: [%s] must have values", k)
		}
		if !ok {
			v = *p.Default
		}
		t.params[k] = v
	}
	for k := range in.Parameters {
		if _, ok := raw.Parameters[k]; !ok {
			return nil, fmt.Errorf("parameters: [%s] do not exist in the template", k)
		}
	}
	for k, o := range raw.Outputs {
		t.outputs[k] = o.Value
	}
	for id := range t.resources {
		t.ids = append(t.ids, id)
	}
	slices.Sort(t.ids)
	return t, nil
}

// order is the creation order: a resource after those it refers to.
func (t *template) order() []string {
	deps := map[string][]string{}
	for _, id := range t.ids {
		var v any
		if json.Unmarshal(t.resources[id].Properties, &v) == nil {
			refsIn(v, func(other string) {
				if _, ok := t.resources[other]; ok && other != id {
					deps[id] = append(deps[id], other)
				}
			})
		}
	}
	var out []string
	done := map[string]bool{}
	var visit func(string)
	visit = func(id string) {
		if done[id] {
			return
		}
		done[id] = true
		for _, d := range deps[id] {
			visit(d)
		}
		out = append(out, id)
	}
	for _, id := range t.ids {
		visit(id)
	}
	return out
}

// refsIn calls f with every name v refers to (Ref, Fn::GetAtt, Fn::Sub).
func refsIn(v any, f func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			switch k {
			case "Ref":
				f(fmt.Sprint(el))
			case "Fn::GetAtt":
				if l, ok := el.([]any); ok && len(l) > 0 {
					f(fmt.Sprint(l[0]))
				}
			case "Fn::Sub":
				if str, ok := el.(string); ok {
					for _, part := range strings.Split(str, "${")[1:] {
						name, _, _ := strings.Cut(part, "}")
						name, _, _ = strings.Cut(name, ".")
						f(name)
					}
				}
			}
			refsIn(el, f)
		}
	case []any:
		for _, el := range x {
			refsIn(el, f)
		}
	}
}

type stackEnv struct {
	s       *fakeStacks
	fs      *fakeStack
	t       *template
	created map[string]stackRes
}

// condition evaluates the template's condition name: Fn::Equals of two
// values, the only condition function the fake knows.
func (e *stackEnv) condition(name string) (bool, error) {
	m, _ := e.t.conditions[name].(map[string]any)
	args, ok := m["Fn::Equals"].([]any)
	if len(m) != 1 || !ok || len(args) != 2 {
		return false, fmt.Errorf("template error: condition %s: only Fn::Equals of two values is supported by the fake", name)
	}
	a, err := e.resolve(args[0])
	if err != nil {
		return false, err
	}
	b, err := e.resolve(args[1])
	if err != nil {
		return false, err
	}
	return fmt.Sprint(a) == fmt.Sprint(b), nil
}

// resolve evaluates Ref, Fn::GetAtt and Fn::Sub in v.
func (e *stackEnv) resolve(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				switch k {
				case "Ref":
					if arg == "AWS::NoValue" {
						return noValue{}, nil
					}
					return e.ref(fmt.Sprint(arg), "Ref")
				case "Fn::GetAtt":
					l, ok := arg.([]any)
					if !ok || len(l) != 2 {
						return nil, fmt.Errorf("template error: Fn::GetAtt takes [resource, attribute]")
					}
					return e.ref(fmt.Sprint(l[0]), fmt.Sprint(l[1]))
				case "Fn::Sub":
					str, ok := arg.(string)
					if !ok {
						return nil, fmt.Errorf("template error: only the string form of Fn::Sub is supported")
					}
					return e.sub(str)
				case "Fn::If":
					l, ok := arg.([]any)
					if !ok || len(l) != 3 {
						return nil, fmt.Errorf("template error: Fn::If takes [condition, value if true, value if false]")
					}
					holds, err := e.condition(fmt.Sprint(l[0]))
					if err != nil {
						return nil, err
					}
					if holds {
						return e.resolve(l[1])
					}
					return e.resolve(l[2])
				}
				if strings.HasPrefix(k, "Fn::") {
					return nil, fmt.Errorf("template error: %s is not supported by the fake", k)
				}
			}
		}
		out := map[string]any{}
		for k, el := range x {
			r, err := e.resolve(el)
			if err != nil {
				return nil, err
			}
			if r != (noValue{}) {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for _, el := range x {
			r, err := e.resolve(el)
			if err != nil {
				return nil, err
			}
			if r != (noValue{}) {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

// noValue is what Ref AWS::NoValue resolves to: the property (or list
// element) holding it is left out, as CloudFormation does.
type noValue struct{}

func (e *stackEnv) ref(id, attr string) (string, error) {
	if attr == "Ref" {
		if v, ok := e.pseudo(id); ok {
			return v, nil
		}
	}
	r, ok := e.created[id]
	if !ok {
		return "", fmt.Errorf("template error: %s refers to %s, which is not created yet or unknown", attr, id)
	}
	v, ok := r.attrs[attr]
	if !ok {
		return "", fmt.Errorf("template error: resource %s (%s) has no attribute %s", id, r.Type, attr)
	}
	return v, nil
}

func (e *stackEnv) pseudo(name string) (string, bool) {
	switch name {
	case "AWS::AccountId":
		return e.s.a.id, true
	case "AWS::Partition":
		return "aws", true
	case "AWS::Region":
		return e.s.region, true
	case "AWS::StackName":
		return e.fs.Name, true
	}
	v, ok := e.t.params[name]
	return v, ok
}

func (e *stackEnv) sub(s string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		s = s[i+2:]
		if strings.HasPrefix(s, "!") {
			b.WriteString("${")
			s = s[1:]
			continue
		}
		j := strings.Index(s, "}")
		if j < 0 {
			return "", fmt.Errorf("template error: unterminated ${ in Fn::Sub")
		}
		name := s[:j]
		s = s[j+1:]
		v, ok := e.pseudo(name)
		if !ok {
			if id, attr, dotted := strings.Cut(name, "."); dotted {
				var err error
				if v, err = e.ref(id, attr); err != nil {
					return "", err
				}
			} else if v, err := e.ref(name, "Ref"); err == nil {
				b.WriteString(v)
				continue
			} else {
				return "", fmt.Errorf("template error: unresolved variable ${%s} in Fn::Sub", name)
			}
		}
		b.WriteString(v)
	}
}
