package cli

import "runtime/debug"

// Version is rootwatch's version, set at build time with
// -ldflags "-X github.com/rootwatch/rootwatch/internal/cli.Version=v1.2.3".
// When it is not set, the version comes from the build information Go records
// (`go install …@v1.2.3` records v1.2.3; a build from a clone records a
// pseudo-version with the commit); see version.
var Version = "dev"

// version is the version rootwatch reports and tags resources with.
func version() string {
	info, ok := debug.ReadBuildInfo()
	return resolveVersion(Version, info, ok)
}

// resolveVersion prefers a stamped version, then the main module's version in the
// build information, then the VCS revision, and says "dev" only when none is known.
func resolveVersion(stamped string, info *debug.BuildInfo, ok bool) string {
	if stamped != "" && stamped != "dev" {
		return stamped
	}
	if !ok || info == nil {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		return "dev-" + rev + "-dirty"
	}
	return "dev-" + rev
}
