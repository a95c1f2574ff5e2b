package templates

import (
	"fmt"
	"text/template/parse"
)

// checkRecursion reports a template of a file that calls itself, directly
// or through others: it would run until the executor's depth limit.
func (a *analyzer) checkRecursion(trees map[string]*parse.Tree) {
	calls := map[string][]*parse.TemplateNode{}
	for name, t := range trees {
		if t == nil || t.Root == nil {
			continue
		}
		var visit func(n parse.Node)
		visit = func(n parse.Node) {
			switch n := n.(type) {
			case *parse.ListNode:
				if n != nil {
					for _, c := range n.Nodes {
						visit(c)
					}
				}
			case *parse.TemplateNode:
				calls[name] = append(calls[name], n)
			case *parse.IfNode:
				visit(n.List)
				visit(n.ElseList)
			case *parse.WithNode:
				visit(n.List)
				visit(n.ElseList)
			case *parse.RangeNode:
				visit(n.List)
				visit(n.ElseList)
			}
		}
		visit(t.Root)
	}
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var dfs func(name string)
	dfs = func(name string) {
		state[name] = active
		for _, call := range calls[name] {
			switch state[call.Name] {
			case active:
				a.problem(int(call.Position()), fmt.Sprintf("template %q calls itself; it would never end", call.Name))
			case unseen:
				if _, ok := trees[call.Name]; ok {
					dfs(call.Name)
				}
			}
		}
		state[name] = done
	}
	for _, name := range sortedKeys(trees) {
		if state[name] == unseen {
			dfs(name)
		}
	}
}
