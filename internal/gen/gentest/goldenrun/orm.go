package goldenrun

import (
	"fmt"
	"reflect"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ormRows is how many rows of each model the ORM step writes: two, so
// that a read by part of a composite key (both rows share their foreign
// keys) or without a condition finds the wrong one.
const ormRows = 2

// orm writes valid messages of every model through ToModel and GORM's
// Create, reads each row back by key and checks that ToProto gives the
// message again. Parents come first, so that foreign keys point to rows;
// the stored keys serve the CRUD steps' foreign keys too.
func (x *exercise) orm() {
	x.pop = &populator{reg: x.reg, parents: map[*modelInfo]protoreflect.Value{}, tenant: tenantValue}
	for _, mi := range x.reg.order() {
		if mi.underParent || mi.singleton {
			if err := mi.placeParent(x.pop.parents); err != nil {
				x.r.fail("ORM "+string(mi.desc.FullName()), "%v", err)
				continue
			}
		}
		if mi.singleton {
			// One row per parent, written by its Update: see
			// service.singleton.
			continue
		}
		for i := 1; i <= ormRows; i++ {
			step := fmt.Sprintf("ORM %s row %d", mi.desc.FullName(), i)
			x.r.guard(step, func() { x.roundTrip(step, mi) })
		}
	}
}

func (x *exercise) roundTrip(step string, mi *modelInfo) {
	msg, err := x.pop.message(mi, x.nextSeed())
	if !x.r.check(step+": build a valid message", err) {
		return
	}
	m, err := toModel(msg)
	if !x.r.check(step+": ToModel", err) {
		return
	}
	// In memory, ToProto(ToModel(msg)) is msg (the values are whole
	// microseconds, which ToModel keeps).
	back, err := toProto(m)
	if !x.r.check(step+": ToProto", err) {
		return
	}
	if d := diff(msg, withKeys(mi, back, msg)); d != "" {
		x.r.fail(step+": ToProto(ToModel(msg))", "%s\nmsg: %s", d, text(msg))
	}
	if err := x.db.Session(&gorm.Session{}).Omit(clause.Associations).Create(m).Error; err != nil {
		x.r.fail(step+": GORM Create", "%v\nmsg: %s", err, text(msg))
		return
	}
	created, err := toProto(m)
	if !x.r.check(step+": ToProto after Create", err) {
		return
	}
	for _, k := range mi.keys {
		if mi.autoKey && !created.ProtoReflect().Has(k) {
			x.r.fail(step+": GORM Create", "the database assigned no %s", k.Name())
			return
		}
	}
	fresh, err := x.readBack(mi, m)
	if err != nil {
		x.r.fail(step+": read back", "%v", err)
		return
	}
	got, err := toProto(fresh)
	if !x.r.check(step+": ToProto of the row read back", err) {
		return
	}
	if d := diff(created, got); d != "" {
		x.r.fail(step+": read back", "the row read back differs from what was written: %s", d)
		return
	}
	if _, ok := x.pop.parents[mi]; !ok && len(mi.keys) == 1 {
		x.pop.parents[mi] = created.ProtoReflect().Get(mi.keys[0])
	}
	x.r.ok(step)
}

// withKeys copies the keys the database assigns from got into a clone of
// got compared with want (which has none): the only values the caller
// cannot know.
func withKeys(mi *modelInfo, got, want proto.Message) proto.Message {
	if !mi.autoKey {
		return got
	}
	out := proto.Clone(got)
	k := mi.keys[0]
	if want.ProtoReflect().Has(k) {
		out.ProtoReflect().Set(k, want.ProtoReflect().Get(k))
	} else {
		out.ProtoReflect().Clear(k)
	}
	return out
}

// readBack loads the row of model m by its primary key columns, into a
// new model.
func (x *exercise) readBack(mi *modelInfo, m any) (any, error) {
	stmt := &gorm.Statement{DB: x.db}
	if err := stmt.Parse(m); err != nil {
		return nil, err
	}
	if len(stmt.Schema.PrimaryFields) == 0 {
		return nil, fmt.Errorf("%v has no primary key field for GORM", mi.model)
	}
	rv := reflect.ValueOf(m)
	var conds []clause.Expression
	for _, f := range stmt.Schema.PrimaryFields {
		v, _ := f.ValueOf(ctx, rv)
		conds = append(conds, clause.Eq{Column: clause.Column{Name: f.DBName}, Value: v})
	}
	fresh := reflect.New(mi.model.Elem()).Interface()
	if err := x.db.Clauses(clause.Where{Exprs: conds}).Take(fresh).Error; err != nil {
		return nil, err
	}
	return fresh, nil
}

// tenantValue is the caller's tenant in every call: what the service's
// WithTenant returns and ORM rows hold.
func tenantValue(fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString("tenant-a")
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(7)
	default:
		return protoreflect.ValueOfInt64(7)
	}
}
