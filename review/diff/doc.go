// Package diff compares two tool surfaces (runtime.Surface): the tools,
// resources, templates and prompts added, removed or changed, what
// changed in each (description, schema, statement or request, guard,
// binds, limits, annotations, source), how risky the change is and
// whether it can break a client that worked before.
//
// It reads the one model, never the configuration text: a surface is
// turned into Items, each split into what clients see and what the server
// runs, and items compare after normalizing the layout of statements and
// expressions, so that configurations that differ only in block order,
// comments or whitespace compare equal. review/lock records the same
// items and hashes them.
package diff
