package cli

import "context"

func runRules(ctx context.Context, env *Env, g *globals, args []string) error {
	return usageError("not implemented yet")
}

func runPattern(ctx context.Context, env *Env, g *globals, args []string) error {
	return usageError("not implemented yet")
}
