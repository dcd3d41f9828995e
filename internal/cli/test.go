package cli

import "context"

func runTest(ctx context.Context, env *Env, g *globals, args []string) error {
	return usageError("not implemented yet")
}

func runAudit(ctx context.Context, env *Env, g *globals, args []string) error {
	return usageError("not implemented yet")
}
