package model

// unwrittenHeldParents warns of a resource that a field of its own parent
// holds (Cloud Batch's TaskGroup, in Job.task_groups) when no method
// writes it and a served resource is named under it (Task). The field is
// stored with its parent's row, as JSON: writing the parent writes no row
// of the held resource's table and names none of what it holds, so every
// name under it is NotFound to the served children's methods until the
// user's code writes those rows.
func (b *builder) unwrittenHeldParents() {
	served := map[*Model]bool{}
	for _, svc := range b.s.Services {
		for _, sm := range svc.Models {
			served[sm.Model] = true
		}
	}
	warned := map[*Model]bool{}
	for _, svc := range b.s.Services {
		for _, sm := range svc.Models {
			for _, p := range sm.ParentModels() {
				if served[p] || warned[p] {
					continue
				}
				warned[p] = true
				for _, g := range p.ParentModels() {
					for _, f := range g.Fields {
						if f.Storage != StorageColumn || f.Desc.IsMap() || f.Desc.Message() == nil || f.Desc.Message().FullName() != p.Desc.FullName() {
							continue
						}
						b.warnf(g.File, f.Desc, "holds %s, the parent of %s, as JSON in the row of its %s: writing a %s neither names the %ss it holds nor writes them as rows of %s, and no method writes one, so the methods of %s find no %s (NotFound) until your code writes those rows (%sModel)",
							p.Desc.FullName(), sm.Desc.FullName(), g.Desc.Name(), g.Desc.Name(), p.Desc.Name(), p.Table, sm.Desc.Name(), p.Desc.Name(), p.GoIdent.GoName)
					}
				}
			}
		}
	}
}
