package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/rootwatch/rootwatch"

// layers says, for each package of the module, which non-standard-library
// packages it may import directly. A package missing here may import anything
// but the AWS SDK and cmd/. Tests' imports are checked too (TestImports,
// XTestImports), except for the test-support packages listed in testOnly.
var layers = map[string][]string{
	// Pure packages: the standard library and each other only.
	"internal/pattern":    {},
	"internal/cloudtrail": {},
	"internal/ctgen":      {},
	"internal/transform":  {},
	"internal/scp":        {},
	"internal/termsafe":   {},
	"internal/table":      {"internal/termsafe"},
	"internal/rules":      {"internal/pattern", "internal/cloudtrail", "internal/transform"},
	"internal/channel":    {"internal/rules", "internal/pattern", "internal/cloudtrail", "internal/transform"},
	// The boundary's interfaces are plain Go.
	"internal/cloud": {},
	// Running an operation over an organization's accounts.
	"internal/fleet": {"internal/cloud"},
	// One policy library, pure.
	"internal/policy": {},
	// The one model of the chain: names, Spec and the judgement of each
	// link; pure, reads the rule pack and the cloud types.
	"internal/chain": {"internal/cloud", "internal/policy", "internal/rules", "internal/channel", "internal/pattern"},
	// Readers and checkers of the chain know it through package chain, not
	// through deploy.
	// Every renderer of outside text escapes it (termsafe, table).
	"internal/status":   {"internal/chain", "internal/channel", "internal/cloud", "internal/fleet", "internal/policy", "internal/table", "golang.org/x/sync"},
	"internal/selftest": {"internal/chain", "internal/channel", "internal/cloud", "internal/policy", "internal/pattern", "internal/rules", "internal/status", "internal/termsafe"},
	// CloudFormation templates are rendered from the chain's Spec, purely.
	"internal/cfn": {"internal/chain", "internal/cloud", "internal/policy"},
	// The command line knows AWS only through the cloud interfaces.
	"cmd/rootwatch": {"internal/cli", "internal/awscloud", "golang.org/x/term"},
}

// testOnly are packages that tests may import anywhere: test support (with
// internal/cloud, whose types the fake speaks), and the pure packages (a pure
// package's benchmarks may use the rule pack).
var testOnly = []string{
	"internal/awstest", "internal/cloud", "internal/cloud/cloudtest", "internal/cloud/fake", "internal/golden",
	"internal/pattern", "internal/cloudtrail", "internal/rules", "internal/ctgen", "internal/transform", "internal/channel",
	"internal/chain", "internal/policy",
	"github.com/google/go-cmp", "github.com/rogpeppe/go-internal",
}

// testLayers are further packages a package's tests may import: status's and
// test's tests deploy a chain with deploy (on moto through the adapter), which
// the packages themselves do not import.
var testLayers = map[string][]string{
	"internal/status":   {"internal/deploy", "internal/awscloud"},
	"internal/selftest": {"internal/deploy", "internal/awscloud"},
	// cfn's tests compare stacks on moto with an API deploy.
	"internal/cfn": {"internal/deploy", "internal/awscloud", "internal/status", "internal/selftest"},
}

// sdkPrefix is the AWS SDK; only the adapter may import it.
const sdkPrefix = "github.com/aws/"

const adapter = "internal/awscloud"

// adapterTestSupport is the one test-support package that wires the adapter
// in: the CLI scripts' commands for organization mode on moto.
const adapterTestSupport = "internal/awstest/orgscript"

type pkgImports struct {
	path             string // relative to the module, e.g. "internal/pattern"
	imports, testImp []string
}

func listPackages(t *testing.T) []pkgImports {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Imports \" \"}}|{{join .TestImports \" \"}} {{join .XTestImports \" \"}}", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkgImports
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) != 3 {
			t.Fatalf("go list: unexpected line %q", sc.Text())
		}
		pkgs = append(pkgs, pkgImports{
			path:    strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/"),
			imports: strings.Fields(f[1]),
			testImp: strings.Fields(f[2]),
		})
	}
	return pkgs
}

func isStd(imp string) bool { return !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") }

func under(imp, prefix string) bool { return imp == prefix || strings.HasPrefix(imp, prefix+"/") }

// TestLayering enforces the project's layering: pure packages import only the
// standard library, exactly one adapter package imports the AWS SDK, and
// cmd/rootwatch is wiring only.
func TestLayering(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// violations returns one line per broken layering rule.
func violations(pkgs []pkgImports) []string {
	var out []string
	sdkUsers := map[string]bool{}
	for _, p := range pkgs {
		check := func(imp string, test bool) {
			rel := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if strings.HasPrefix(imp, sdkPrefix) {
				sdkUsers[p.path] = true
				if !under(p.path, adapter) {
					out = append(out, fmt.Sprintf("%s imports the AWS SDK (%s): only %s may", p.path, imp, adapter))
				}
				return
			}
			if under(rel, "cmd") && !under(p.path, "cmd") {
				out = append(out, fmt.Sprintf("%s imports %s: nothing may import cmd/", p.path, imp))
			}
			// Test support that acts on an emulator through the adapter
			// (the CLI scripts' commands) is wiring for tests only.
			if rel == adapter && p.path != "cmd/rootwatch" && !test && !under(p.path, adapterTestSupport) {
				out = append(out, fmt.Sprintf("%s imports %s: only cmd/rootwatch wires the adapter in", p.path, adapter))
			}
			allowed, layered := layers[p.path]
			if !layered || isStd(imp) || rel == p.path {
				return
			}
			if test {
				for _, o := range append(testOnly, testLayers[p.path]...) {
					if under(rel, o) || under(imp, o) {
						return
					}
				}
			}
			for _, a := range allowed {
				if under(rel, a) || under(imp, a) {
					return
				}
			}
			kind := "imports"
			if test {
				kind = "tests import"
			}
			out = append(out, fmt.Sprintf("%s %s %s, outside its layer (allowed: standard library and %v)", p.path, kind, imp, allowed))
		}
		for _, imp := range p.imports {
			check(imp, false)
		}
		for _, imp := range p.testImp {
			check(imp, true)
		}
	}
	if !sdkUsers[adapter] {
		out = append(out, fmt.Sprintf("%s does not import the AWS SDK: is the adapter somewhere else?", adapter))
	}
	return out
}

// TestLayeringRules checks that violations catches each kind of breach.
func TestLayeringRules(t *testing.T) {
	const sdk = "github.com/aws/aws-sdk-go-v2/service/sns"
	ok := pkgImports{path: adapter, imports: []string{sdk}}
	tests := []struct {
		name string
		pkg  pkgImports
		want int
	}{
		{"clean", pkgImports{path: "internal/pattern", imports: []string{"bytes", "unicode/utf8"}}, 0},
		{"pure imports a module", pkgImports{path: "internal/pattern", imports: []string{"github.com/google/go-cmp/cmp"}}, 1},
		{"pure test imports go-cmp", pkgImports{path: "internal/pattern", testImp: []string{"github.com/google/go-cmp/cmp"}}, 0},
		{"rules imports pattern", pkgImports{path: "internal/rules", imports: []string{module + "/internal/pattern"}}, 0},
		{"rules imports cloud", pkgImports{path: "internal/rules", imports: []string{module + "/internal/cloud"}}, 1},
		{"SDK outside the adapter", pkgImports{path: "internal/deploy", imports: []string{sdk}}, 1},
		{"SDK in a test outside the adapter", pkgImports{path: "internal/scan", testImp: []string{sdk}}, 1},
		{"adapter imported by cli", pkgImports{path: "internal/cli", imports: []string{module + "/" + adapter}}, 1},
		{"cmd imported", pkgImports{path: "internal/cli", imports: []string{module + "/cmd/rootwatch"}}, 1},
		{"cmd imports more than wiring", pkgImports{path: "cmd/rootwatch", imports: []string{module + "/internal/deploy"}}, 1},
		{"chain imports deploy", pkgImports{path: "internal/chain", imports: []string{module + "/internal/deploy"}}, 1},
		{"policy imports a module", pkgImports{path: "internal/policy", imports: []string{"golang.org/x/sync/errgroup"}}, 1},
		{"status imports deploy", pkgImports{path: "internal/status", imports: []string{module + "/internal/deploy"}}, 1},
		{"status's tests import deploy", pkgImports{path: "internal/status", testImp: []string{module + "/internal/deploy"}}, 0},
		{"selftest imports deploy", pkgImports{path: "internal/selftest", imports: []string{module + "/internal/deploy"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := violations([]pkgImports{ok, tt.pkg})
			if len(got) != tt.want {
				t.Errorf("violations = %q, want %d", got, tt.want)
			}
		})
	}
	if got := violations([]pkgImports{{path: "internal/cli"}}); len(got) != 1 {
		t.Errorf("no adapter importing the SDK: violations = %q, want 1", got)
	}
}

// assembly is the one assembly file the module has, by package: the
// candidate search's pair filter for amd64 (internal/cloudtrail/index.go says
// why). Other architectures, and builds with -tags purego, have none, and
// the module never has cgo.
var assembly = map[string][]string{"internal/cloudtrail": {"index_amd64.s"}}

// TestNoCgoAndOneAssemblyFile keeps rootwatch buildable without a C toolchain
// and its assembly to the one function that needs it, with a Go fallback.
// go list is asked with cgo on (it needs no C compiler to list), or a file
// that imports "C" would be listed as ignored, not as cgo.
func TestNoCgoAndOneAssemblyFile(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		for _, tags := range []string{"", "purego"} {
			cmd := exec.Command("go", "list", "-tags", tags, "-f", "{{.ImportPath}}|{{join .SFiles \" \"}}|{{join .CgoFiles \" \"}}", module+"/...")
			cmd.Dir = "../.."
			cmd.Env = append(cmd.Environ(), "GOARCH="+arch, "CGO_ENABLED=1")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("GOARCH=%s go list -tags %q: %v", arch, tags, err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				f := strings.Split(line, "|")
				if len(f) != 3 {
					t.Fatalf("go list: unexpected line %q", line)
				}
				path := strings.TrimPrefix(strings.TrimPrefix(f[0], module), "/")
				if f[2] != "" {
					t.Errorf("%s uses cgo (%s): rootwatch builds without a C toolchain", path, f[2])
				}
				want := ""
				if arch == "amd64" && tags == "" {
					want = strings.Join(assembly[path], " ")
				}
				if f[1] != want {
					t.Errorf("GOARCH=%s -tags %q: %s has assembly %q, want %q", arch, tags, path, f[1], want)
				}
			}
		}
	}
}
