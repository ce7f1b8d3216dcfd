package model

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/gofeaturespb"
	"gorm.io/gorm/schema"

	"github.com/protoforge/protoforge/crudrt"
	protoforgev1 "github.com/protoforge/protoforge/options/protoforge/v1"
	"github.com/protoforge/protoforge/ormrt"
)

// Operation is a standard method: one of the runtime's operations, or
// OpNone.
type Operation = crudrt.Op

// The standard methods protoc-gen-crud implements.
const (
	OpNone        Operation = 0
	OpGet                   = crudrt.OpGet
	OpList                  = crudrt.OpList
	OpCreate                = crudrt.OpCreate
	OpUpdate                = crudrt.OpUpdate
	OpDelete                = crudrt.OpDelete
	OpUndelete              = crudrt.OpUndelete
	OpBatchGet              = crudrt.OpBatchGet
	OpBatchCreate           = crudrt.OpBatchCreate
	OpBatchDelete           = crudrt.OpBatchDelete
	OpBatchUpdate           = crudrt.OpBatchUpdate
)

// standardOps are tried before batch methods, which may need the model
// the standard ones name.
var standardOps = []Operation{OpGet, OpList, OpCreate, OpUpdate, OpDelete, OpUndelete}

var batchOps = []Operation{OpBatchGet, OpBatchCreate, OpBatchUpdate, OpBatchDelete}

// Service is a service with standard methods, on one or more models.
type Service struct {
	*protogen.Service
	File *protogen.File
	// Models lists the models the standard methods manage, in the order
	// of their first method.
	Models []*ServiceModel
	// Methods lists the recognised standard methods, in declaration order;
	// the others are left to the user.
	Methods []*Method
	// Unmapped lists the unary methods that are not standard methods: the
	// generated type answers them Unimplemented until the user's own type
	// implements them.
	Unmapped []*protogen.Method
	// Ident is the generated implementation, `<Service>CRUD`.
	Ident protogen.GoIdent

	// fallback is the model of (protoforge.v1.service).model, or nil.
	fallback *Model
}

// ServiceModel is a model a service manages, with the methods that
// manage it.
type ServiceModel struct {
	*Model
	Methods []*Method
	// ResourceField is the request field that holds the resource in
	// Create and Update ("book"), which prefixes field paths in errors.
	ResourceField string
	// Collection is the first segment of the model's resource names.
	Collection string
	// Store is the generated type's method that returns the model's
	// crudrt.Store, for the methods the user writes: "<Model>Store".
	// protoc-gen-crud's `stores` parameter says which types have it; no
	// method of the service may have its name either way.
	Store string
}

// Method is a recognised standard method and the request and response
// fields it uses.
type Method struct {
	*protogen.Method
	Op Operation
	// Model is the model the method manages.
	Model *ServiceModel
	// Key is the request's primary-key field (`id`), or nil when the
	// request names the resource with Name.
	Key *protogen.Field
	// Name is the request's AIP-122 `name` field ("books/123"), or nil.
	Name *protogen.Field
	// Pattern is the resource name pattern, "<table>/{<key>}".
	Pattern string
	// Resource is the request field holding the resource (Create, Update).
	Resource *protogen.Field
	// ResourceID is Create's AIP-133 `{resource}_id` of a resource
	// identified by its name (for BatchCreate, the field of each of its
	// requests), or nil.
	ResourceID *protogen.Field
	// Parent is the request's AIP-132/133 `parent` of a resource under a
	// parent, or nil; RequestParent is the `parent` of each of
	// BatchCreate's requests, or nil.
	Parent, RequestParent *protogen.Field
	// Force is Delete's AIP-135 `force` (bool), or nil.
	Force *protogen.Field
	// Mask is Update's `update_mask`, or BatchUpdate's (for all its
	// requests), or nil: an Update without one replaces the whole
	// resource (AIP-134).
	Mask *protogen.Field
	// List request fields; nil when absent.
	PageSize, PageToken, Filter, OrderBy, ShowDeleted, Skip *protogen.Field
	// Etag is the request's `etag` field (Delete, Undelete, Update), or nil.
	Etag *protogen.Field
	// Items and NextPageToken are List's response fields, TotalSize its
	// AIP-132 `total_size` (int32 or int64), or nil.
	Items, NextPageToken, TotalSize *protogen.Field
	// ReturnsEmpty is set when Delete returns google.protobuf.Empty.
	ReturnsEmpty bool
	// RequestIsResource is set on a Create whose request is the resource
	// itself, named by the client (Pub/Sub's CreateTopic(Topic)).
	RequestIsResource bool
	// ParentIn is, on a List of a resource whose name places it under no
	// parent, the resource's own field that holds its parent (Resource
	// Manager's Project.parent), which the request's Parent selects by.
	ParentIn *Field
	// Keys and Names are a batch request's repeated `ids` (key type) or
	// `names`; Requests is BatchCreate's, BatchUpdate's, or (in place of
	// names, AIP-231 and AIP-235) BatchGet's or BatchDelete's repeated
	// `requests`.
	Keys, Names, Requests *protogen.Field
	// RequestKey and RequestName are the key field (`id`) or the `name`
	// of each of BatchGet's or BatchDelete's requests (one is set);
	// RequestEtag, RequestForce and RequestAllowMissing the `etag`,
	// `force` and `allow_missing` of each of BatchDelete's, as Delete
	// serves them, RequestReadMask the `read_mask` of each of BatchGet's;
	// or nil.
	RequestKey, RequestName                                         *protogen.Field
	RequestEtag, RequestForce, RequestAllowMissing, RequestReadMask *protogen.Field
	// RequestResource is the resource field of each of BatchCreate's or
	// BatchUpdate's requests, RequestMask the `update_mask` of each of
	// BatchUpdate's, or nil.
	RequestResource, RequestMask *protogen.Field
	// ReadMask is the request's AIP-157 `read_mask` (FieldMask), or nil:
	// the response holds only the fields it names.
	ReadMask *protogen.Field
	// ValidateOnly is the request's AIP-163 `validate_only` (bool) of a
	// write, or nil: the write is carried out and rolled back.
	ValidateOnly *protogen.Field
	// AllowMissing is the request's `allow_missing` (bool) of an Update of
	// a resource identified by its name, without a tenant (AIP-134: it is
	// created), of a Delete (AIP-135: it succeeds; AIP-164: so does the
	// soft Delete of a resource deleted already), or of a BatchDelete
	// (AIP-235: the missing ones are skipped), or nil.
	AllowMissing *protogen.Field
	// IdempotencyKey is the request's AIP-155 `request_id` (string) of a
	// write, or nil: a request that sets it is carried out once, and its
	// repeats get the first one's response (see Model.RequestIDTable).
	IdempotencyKey *protogen.Field
	// Unsupported are the request's fields the method does not serve
	// (paths from the request, "requests.request_id" inside BatchCreate's
	// requests): a request that sets one is refused, never half served.
	Unsupported []string
	// KeySuffix is set on a Get of a singleton (AIP-156) whose request
	// field names the singleton's parent (its resource_reference is the
	// parent's type): what the singleton's name adds to it ("/publicKey"
	// of Cloud KMS's GetPublicKey, which takes a CryptoKeyVersion's name).
	KeySuffix string
	// Unpaged is set on a List whose messages have none of AIP-158's
	// pagination fields (page_size, page_token, next_page_token): it
	// answers the whole collection in one response, within a bound.
	Unpaged bool
	// OwnerName is set on a Get or Update of a singleton (AIP-156) whose
	// google.api.http binds the name's field before the singleton's
	// collection (Cloud Logging's `/v2/{name=*/*}/settings`): a route
	// puts the name of the singleton's parent in the field, which then
	// names the parent's singleton.
	OwnerName bool
	// HasHTTPRule is set when the method declares google.api.http; it
	// then gets no default REST route.
	HasHTTPRule bool
	// Route is the method's default REST route (AIP-127/136), nil when it
	// has a google.api.http annotation.
	Route *Route
	// LRO is set when the method returns a long-running operation
	// (AIP-151): the method is read as if it returned LRO.Response.
	LRO *LRO
}

// Route is an HTTP verb, a path template in google.api.http syntax and
// the request field that takes the body ("*" for the whole request).
type Route struct {
	Verb, Path, Body string
	// Additional are the bindings of the other patterns of a resource
	// with several (AIP-123), one each, in the order declared.
	Additional []Route
}

// services recognises the standard methods of every service of the files
// to generate. Each method is matched to its model by its name and shape,
// so that one service may serve several models.
func (b *builder) services(f *protogen.File) {
	for _, s := range f.Services {
		sopts, _ := proto.GetExtension(s.Desc.Options(), protoforgev1.E_Service).(*protoforgev1.ServiceOptions)
		svc := &Service{Service: s, File: f, Ident: f.GoImportPath.Ident(s.GoName + "CRUD")}
		if name := sopts.GetModel(); name != "" {
			svc.fallback = b.resolveIn(f, name)
			if svc.fallback == nil {
				b.errorf(f, s.Desc, "(protoforge.v1.service).model names unknown model %q; name a message with option (protoforge.v1.model)", name)
				continue
			}
		}
		// A method returning a long-running operation is read as the
		// method returning its response.
		read := make([]*protogen.Method, len(s.Methods))
		lros := make([]*LRO, len(s.Methods))
		for i, m := range s.Methods {
			read[i], lros[i] = b.longRunning(f, m)
		}
		// Standard methods first: batch methods may need the model they name.
		for pass := 0; pass < 2; pass++ {
			for i, m := range read {
				if m == nil {
					continue
				}
				op, target := b.recognise(f, svc, m, pass == 1)
				if op == OpNone {
					continue
				}
				if lros[i] != nil && (op == OpGet || op == OpList || op == OpBatchGet) {
					b.warnf(f, m.Desc, "returns %s: a %s is not long-running (AIP-151); not generated, it answers Unimplemented until you implement it", operationName, op)
					b.warned[s.Methods[i]] = true
					continue
				}
				if meth := b.shape(f, m, op, target); meth != nil {
					meth.Model = svc.modelFor(target)
					meth.LRO = lros[i]
					svc.Methods = append(svc.Methods, meth)
				}
			}
		}
		for i, m := range read {
			if m != nil && m != s.Methods[i] && b.warned[m] {
				b.warned[s.Methods[i]] = true // its shape was reported
			}
		}
		sort.SliceStable(svc.Methods, func(i, j int) bool { return svc.Methods[i].Desc.Index() < svc.Methods[j].Desc.Index() })
		for _, m := range svc.Methods {
			sm := m.Model
			sm.Methods = append(sm.Methods, m)
			if m.Resource != nil && sm.ResourceField == "" {
				sm.ResourceField = string(m.Resource.Desc.Name())
			}
			if m.Pattern != "" && sm.Collection == "" {
				sm.Collection, _, _ = strings.Cut(m.Pattern, "/")
			}
		}
		for _, sm := range svc.Models {
			if sm.Name != nil {
				// The patterns of a resource with several end alike.
				parts := strings.Split(ormrt.Patterns(sm.Name.NamePattern)[0], "/")
				sm.Collection = parts[len(parts)-2]
			}
			if sm.Collection == "" {
				sm.Collection = sm.Table
			}
			sm.Store = sm.GoIdent.GoName + "Store"
			for _, m := range s.Methods {
				if m.GoName == sm.Store {
					b.errorf(f, m.Desc, "has the name of the generated %s.%s, which returns the store of %s; rename the method", svc.Ident.GoName, sm.Store, sm.Desc.FullName())
				}
			}
		}
		if len(svc.Methods) > 0 {
			for _, m := range s.Methods {
				if m.GoName == CRUDServices {
					b.errorf(f, m.Desc, "has the name of the generated %s.%s, which returns the runtimes of its resources for crudrt.StoreOf; rename the method", svc.Ident.GoName, CRUDServices)
				}
			}
		}
		sort.SliceStable(svc.Models, func(i, j int) bool {
			return svc.Models[i].Methods[0].Desc.Index() < svc.Models[j].Methods[0].Desc.Index()
		})
		for _, m := range svc.Methods {
			m.Route = defaultRoute(m)
		}
		b.unmapped(f, svc)
		if len(svc.Methods) > 0 {
			for _, name := range []string{svc.Ident.GoName, "New" + svc.Ident.GoName, s.GoName + "RESTRules", s.GoName + "OpenAPI"} {
				if what := b.goDeclared(f.GoImportPath, name); what != "" {
					b.errorf(f, s.Desc, "the generated %s collides with the %s of that name in Go package %s; rename one of them", name, what, f.GoImportPath)
				}
			}
			b.s.Services = append(b.s.Services, svc)
		}
	}
}

// declareReturns is the advice on what a method should return.
var declareReturns = regexp.MustCompile("declare `returns \\(([A-Za-z0-9_.]+)\\)`")

// CRUDServices is the method of every generated type that lists the
// runtimes of its resources (crudrt.StoreOf reads it); no method of the
// service may have its name.
const CRUDServices = "CRUDServices"

// LeavesMethods reports whether the service has methods that are not
// generated (custom methods, methods that cannot be mapped, streaming
// methods): the user implements them on a type that embeds the generated
// one, with the resources' stores.
func (s *Service) LeavesMethods() bool { return len(s.Methods) < len(s.Service.Methods) }

// modelFor returns the service's entry for model m, adding it.
func (s *Service) modelFor(m *Model) *ServiceModel {
	for _, sm := range s.Models {
		if sm.Model == m {
			return sm
		}
	}
	sm := &ServiceModel{Model: m}
	s.Models = append(s.Models, sm)
	return sm
}

// only is the service's one model so far, or nil.
func (s *Service) only() *Model {
	if s.fallback != nil {
		return s.fallback
	}
	if len(s.Models) == 1 {
		return s.Models[0].Model
	}
	return nil
}

// unmapped records the methods of svc that are not standard methods, with
// a warning saying why each is left to the user.
func (b *builder) unmapped(f *protogen.File, svc *Service) {
	mapped := map[*protogen.Method]bool{}
	for _, m := range svc.Methods {
		mapped[m.Declared()] = true
	}
	for _, m := range svc.Service.Methods {
		if mapped[m] {
			continue
		}
		mopts, _ := proto.GetExtension(m.Desc.Options(), protoforgev1.E_Method).(*protoforgev1.MethodOptions)
		streaming := m.Desc.IsStreamingClient() || m.Desc.IsStreamingServer()
		if !streaming && len(svc.Methods) > 0 {
			svc.Unmapped = append(svc.Unmapped, m)
		}
		if mopts.GetOperation() == protoforgev1.Operation_OPERATION_NONE && mopts != nil {
			continue // left to the user on purpose
		}
		if b.warned[m] {
			continue // its shape was reported
		}
		impl := svc.Ident.GoName
		if len(svc.Methods) == 0 {
			impl = "your own implementation of " + svc.GoName + "Server"
		}
		switch why := b.whyNotStandard(f, svc, m); {
		case streaming:
			b.warnf(f, m.Desc, "streaming methods are not generated; implement it on %s", impl)
		case why != "":
			b.warnf(f, m.Desc, "not generated: %s; it answers Unimplemented until you implement it on %s", why, impl)
		default:
			b.warnf(f, m.Desc, "custom method (AIP-136): not generated; it answers Unimplemented until you implement it on %s", impl)
		}
	}
}

// whyNotStandard tells why a method whose name reads like a standard
// method was not recognised as one, or "" when its name is not a
// standard method's.
func (b *builder) whyNotStandard(f *protogen.File, svc *Service, m *protogen.Method) string {
	if customVerb(m) {
		return "" // GetIamPolicy at /v1/{resource=…}:getIamPolicy is a custom method (AIP-136)
	}
	for _, op := range append(append([]Operation{}, standardOps...), batchOps...) {
		rest, ok := strings.CutPrefix(m.GoName, op.String())
		if !ok || rest == "" {
			continue
		}
		target := b.modelFromMethod(f, m, op)
		if target != nil || (isBatch(op) && svc.only() != nil && !listsMessages(m.Output)) {
			continue
		}
		if op == OpList {
			for _, fd := range m.Output.Fields {
				if fd.Desc.IsMap() && fd.Desc.MapValue().Message() != nil {
					if t := b.s.byName[fd.Desc.MapValue().Message().FullName()]; t != nil {
						return fmt.Sprintf("response field %s is a map; a List answers a list in its order: declare `repeated %s %s = %d;`", fd.Desc.FullName(), t.Desc.Name(), fd.Desc.Name(), fd.Desc.Number())
					}
				}
			}
		}
		// Say what the method's resource is, as the messages show it.
		var msg *protogen.Message
		for _, fd := range m.Output.Fields {
			if fd.Desc.IsList() && fd.Message != nil {
				msg = fd.Message
			}
		}
		if !isBatch(op) && op != OpList {
			msg = nil
			if m.Output.Desc.Name() == protoreflect.Name(rest) {
				msg = m.Output
			}
			for _, fd := range m.Input.Fields {
				if fd.Message != nil && fd.Message.Desc.Name() == protoreflect.Name(rest) {
					msg = fd.Message
				}
			}
			if msg == nil && strings.HasSuffix(rest, string(m.Output.Desc.Name())) && proto.HasExtension(m.Output.Desc.Options(), annotations.E_Resource) && b.s.byName[m.Output.Desc.FullName()] == nil {
				// A resource it returns that is not generated, its noun
				// the message's name after others (GKE Hub's
				// GetScopeRBACRoleBinding of an RBACRoleBinding). A
				// generated one is another noun's (GetNamespacedTagKey).
				msg = m.Output
			}
		}
		var desc protoreflect.MessageDescriptor
		if msg != nil {
			desc = msg.Desc
		} else {
			// DeleteShelf returns Empty: the message named Shelf, in
			// this file or in one of its package it imports.
			desc = packageMessage(f.Desc, protoreflect.Name(rest))
		}
		switch {
		case desc != nil && desc.ParentFile().Package() != f.Desc.Package() && (b.s.byName[desc.FullName()] != nil || proto.HasExtension(desc.Options(), annotations.E_Resource)):
			return fmt.Sprintf("its resource %s is in package %s, and the generated service serves the models of its own package (%s); declare service %s in package %s", desc.FullName(), desc.ParentFile().Package(), f.Desc.Package(), svc.Service.Desc.Name(), desc.ParentFile().Package())
		case desc != nil && proto.HasExtension(desc.Options(), annotations.E_Resource):
			return fmt.Sprintf("its resource %s is not generated (see the warning on the message)", desc.FullName())
		case desc != nil:
			return fmt.Sprintf("%s is not a model: add option (protoforge.v1.model) to it, or map the method with (protoforge.v1.method).operation", desc.FullName())
		}
		// No message of that name (Pub/Sub's ListTopicSubscriptions
		// answers names): nothing to add an option to.
		return fmt.Sprintf("%s names no model: package %s has no message %s; implement it yourself, or map it to a model with (protoforge.v1.method).operation", op, f.Desc.Package(), rest)
	}
	return ""
}

// customVerb reports whether m's google.api.http rule ends in a custom
// verb (":getIamPolicy"), which standard methods never have (AIP-136);
// the verbs of batch methods and Undelete are not custom.
func customVerb(m *protogen.Method) bool {
	rule, _ := proto.GetExtension(m.Desc.Options(), annotations.E_Http).(*annotations.HttpRule)
	_, path := httpRule(rule)
	_, verb, found := strings.Cut(path[strings.LastIndexAny(path, "/}")+1:], ":")
	switch verb {
	case "batchGet", "batchCreate", "batchUpdate", "batchDelete", "undelete":
		return false // the verbs of AIP-164 and AIP-231…235
	}
	return found
}

// packageMessage finds the top-level message name of file f's package,
// declared in f or in a file of the same package that f imports.
func packageMessage(f protoreflect.FileDescriptor, name protoreflect.Name) protoreflect.MessageDescriptor {
	if md := f.Messages().ByName(name); md != nil {
		return md
	}
	imports := f.Imports()
	for i := 0; i < imports.Len(); i++ {
		if imp := imports.Get(i); imp.Package() == f.Package() {
			if md := imp.Messages().ByName(name); md != nil {
				return md
			}
		}
	}
	return nil
}

// resolveIn finds a model by a name written in file f.
func (b *builder) resolveIn(f *protogen.File, name string) *Model {
	name = strings.TrimPrefix(name, ".")
	if m := b.s.byName[protoreflect.FullName(name)]; m != nil {
		return m
	}
	return b.s.byName[f.Desc.Package().Append(protoreflect.Name(name))]
}

// recognise tells which standard method m is, by its option or its name,
// and which model it manages.
func (b *builder) recognise(f *protogen.File, svc *Service, m *protogen.Method, batch bool) (Operation, *Model) {
	mopts, _ := proto.GetExtension(m.Desc.Options(), protoforgev1.E_Method).(*protoforgev1.MethodOptions)
	explicit := map[protoforgev1.Operation]Operation{
		protoforgev1.Operation_OPERATION_GET: OpGet, protoforgev1.Operation_OPERATION_LIST: OpList,
		protoforgev1.Operation_OPERATION_CREATE: OpCreate, protoforgev1.Operation_OPERATION_UPDATE: OpUpdate,
		protoforgev1.Operation_OPERATION_DELETE: OpDelete, protoforgev1.Operation_OPERATION_UNDELETE: OpUndelete,
		protoforgev1.Operation_OPERATION_BATCH_GET: OpBatchGet, protoforgev1.Operation_OPERATION_BATCH_CREATE: OpBatchCreate,
		protoforgev1.Operation_OPERATION_BATCH_DELETE: OpBatchDelete, protoforgev1.Operation_OPERATION_BATCH_UPDATE: OpBatchUpdate,
	}
	switch o := mopts.GetOperation(); {
	case o == protoforgev1.Operation_OPERATION_NONE:
		return OpNone, nil
	case o != protoforgev1.Operation_OPERATION_UNSPECIFIED:
		op := explicit[o]
		if isBatch(op) != batch {
			return OpNone, nil
		}
		target := svc.fallback
		if target == nil {
			target = b.modelFromMethod(f, m, op)
		}
		if target == nil {
			target = b.modelFromShape(m, op)
		}
		if target == nil {
			target = svc.only()
		}
		if target == nil {
			b.errorf(f, m.Desc, "(protoforge.v1.method).operation %v needs the model: its request or response does not name one; set (protoforge.v1.service).model", o)
			return OpNone, nil
		}
		return op, target
	}
	if customVerb(m) {
		// ListWorkflowRevisions at /v1/{name=…}:listRevisions reads like
		// a List by its name, and is a custom method (AIP-136, AIP-162).
		return OpNone, nil
	}
	ops := standardOps
	if batch {
		ops = batchOps
	}
	for _, op := range ops {
		if !strings.HasPrefix(m.GoName, op.String()) {
			continue
		}
		target := b.modelFromMethod(f, m, op)
		if target == nil && svc.fallback != nil && !isBatch(op) && op != OpList && strings.TrimPrefix(string(m.Desc.Name()), op.String()) == string(svc.fallback.Desc.Name()) {
			// The service's model, which the method names by its own
			// name: a nested message (Shelf.Slot for GetSlot).
			target = svc.fallback
		}
		if target == nil && isBatch(op) && m.GoName != op.String() {
			// BatchDeleteBooks returns Empty: the model named by the
			// plural, else the service's.
			if target = b.modelFromPlural(f, strings.TrimPrefix(m.GoName, op.String())); target == nil && !listsMessages(m.Output) {
				target = svc.only()
			}
		}
		if target != nil {
			return op, target
		}
	}
	return OpNone, nil
}

// hasMask reports whether msg has a FieldMask field other than an AIP-157
// read_mask: a request meant to carry an update mask.
func hasMask(msg *protogen.Message) bool {
	for _, fd := range msg.Fields {
		if fd.Message != nil && fd.Message.Desc.FullName() == "google.protobuf.FieldMask" && fd.Desc.Name() != "read_mask" {
			return true
		}
	}
	return false
}

// parentKeySuffix is what the name of model, a singleton (AIP-156), adds
// to its parent's name, when the request field fd refers to the parent
// (google.api.resource_reference) rather than to the singleton: "" when
// it does not.
func parentKeySuffix(model *Model, fd *protogen.Field) string {
	if !model.Singleton() || model.Parent == nil {
		return ""
	}
	ref, _ := proto.GetExtension(fd.Desc.Options(), annotations.E_ResourceReference).(*annotations.ResourceReference)
	parent, _ := proto.GetExtension(model.Parent.Desc.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
	if ref.GetType() == "" || parent.GetType() != ref.GetType() {
		return ""
	}
	i := strings.LastIndex(model.Name.NamePattern, "/")
	return model.Name.NamePattern[i:]
}

// listsMessages reports whether msg has a repeated message field: a batch
// response naming its resource, which then is no other.
func listsMessages(msg *protogen.Message) bool {
	for _, fd := range msg.Fields {
		if fd.Desc.IsList() && fd.Message != nil {
			return true
		}
	}
	return false
}

// modelFromShape finds the model of an explicitly mapped method from its
// messages: the response itself, or its repeated field of a model.
func (b *builder) modelFromShape(m *protogen.Method, op Operation) *Model {
	if t := b.s.byName[m.Output.Desc.FullName()]; t != nil {
		return t
	}
	for _, fd := range append(append([]*protogen.Field{}, m.Output.Fields...), m.Input.Fields...) {
		if fd.Message != nil && (fd.Desc.IsList() == (op == OpList || op == OpBatchGet || op == OpBatchCreate || op == OpBatchUpdate)) {
			if t := b.s.byName[fd.Message.Desc.FullName()]; t != nil {
				return t
			}
		}
	}
	return nil
}

// modelFromPlural finds the model whose plural name is plural ("Books"),
// in f's package first.
func (b *builder) modelFromPlural(f *protogen.File, plural string) *Model {
	var found *Model
	for _, m := range b.s.Models {
		if Plural(m.GoIdent.GoName) != plural {
			continue
		}
		if m.Desc.ParentFile().Package() == f.Desc.Package() {
			return m
		}
		if found == nil {
			found = m
		}
	}
	return found
}

// Plural is the plural of a Go message name as AIP method names spell it
// ("BookEntry" → "BookEntries"), by GORM's inflection of table names.
func Plural(goName string) string {
	parts := strings.Split(schema.NamingStrategy{}.TableName(goName), "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

// modelFromMethod finds the model a method name points to: the model
// named after the verb (Get*Book*), or for List the model of the response's
// repeated field.
func (b *builder) modelFromMethod(f *protogen.File, m *protogen.Method, op Operation) *Model {
	rest := strings.TrimPrefix(m.GoName, op.String())
	if rest == m.GoName || rest == "" {
		return nil
	}
	if isBatch(op) {
		// Batch names are plural: the model is the one the service's
		// standard methods manage, or the response's repeated field's.
		for _, fd := range m.Output.Fields {
			if fd.Desc.IsList() && fd.Message != nil {
				if t := b.s.byName[fd.Message.Desc.FullName()]; t != nil {
					return t
				}
			}
		}
		return nil
	}
	if op == OpList {
		for _, fd := range m.Output.Fields {
			if fd.Desc.IsList() && fd.Message != nil {
				if t := b.s.byName[fd.Message.Desc.FullName()]; t != nil {
					return t
				}
			}
		}
		return nil
	}
	if t := b.resolveIn(f, rest); t != nil {
		return t
	}
	// The message as the proto spells it: a Go name capitalizes a letter
	// after a digit (GetMd5sum is GetMd5Sum in Go, for message Md5sum).
	if r, ok := strings.CutPrefix(string(m.Desc.Name()), op.String()); ok && r != "" {
		if t := b.resolveIn(f, r); t != nil {
			return t
		}
	}
	// AIP-131…135 name a standard method after its resource's message
	// ("should"); an API may drop a prefix its messages share (Cloud
	// Logging's GetBucket returns a LogBucket, its DeleteBucket names
	// one): the model of the package the method returns, or that its
	// request's name refers to, when the method's noun is the last words
	// of that model's message name.
	t := b.s.byName[m.Output.Desc.FullName()]
	if t == nil {
		// DeleteBucket returns Empty: the model its request names
		// (`name`, or Cloud Logging's `sink_name`), by reference.
		if fd := nameReference(m.Input); fd != nil {
			ref, _ := proto.GetExtension(fd.Desc.Options(), annotations.E_ResourceReference).(*annotations.ResourceReference)
			t = b.modelOfType(f, ref.GetType())
		}
	}
	if t != nil && t.File.Desc.Package() == f.Desc.Package() && (lastWords(string(t.Desc.Name()), rest) || parentQualified(t, rest)) {
		return t
	}
	return nil
}

// parentQualified reports whether noun is the name of t's message after
// the singulars of its parents, as their pattern's variables spell them,
// the direct parent's last: GKE Hub's GetScopeNamespace returns a
// Namespace of "…/scopes/{scope}/namespaces/{namespace}", and
// GetMembershipRBACRoleBinding an RBACRoleBinding of
// "…/memberships/{membership}/rbacrolebindings/{rbacrolebinding}" (a
// resource of several patterns, as many methods as parents). A noun that
// no parent explains (Resource Manager's GetNamespacedTagKey, by a name
// of another kind) is not.
func parentQualified(t *Model, noun string) bool {
	head, ok := strings.CutSuffix(noun, string(t.Desc.Name()))
	if !ok || head == "" || t.Name == nil {
		return false
	}
	for _, alt := range ormrt.Patterns(t.Name.NamePattern) {
		vars := ormrt.PatternVars(alt)
		if !t.Singleton() {
			vars = vars[:len(vars)-1]
		}
		prefix := ""
		for i := len(vars) - 1; i >= 0; i-- {
			prefix = camel(vars[i]) + prefix
			if strings.EqualFold(prefix, head) {
				return true
			}
		}
	}
	return false
}

// nameReference is the string field of msg that refers to a resource by
// type: `name`, else the only one.
func nameReference(msg *protogen.Message) *protogen.Field {
	refers := func(fd *protogen.Field, ref *annotations.ResourceReference) bool { return ref.GetType() != "" }
	if fd := referenceField(msg, func(fd *protogen.Field, ref *annotations.ResourceReference) bool {
		return fd.Desc.Name() == "name" && refers(fd, ref)
	}); fd != nil {
		return fd
	}
	return referenceField(msg, refers)
}

// modelOfType is the model of file f's package whose google.api.resource
// type is typ, or nil.
func (b *builder) modelOfType(f *protogen.File, typ string) *Model {
	for _, t := range b.s.byName {
		if t.File.Desc.Package() == f.Desc.Package() && resourceType(t) == typ {
			return t
		}
	}
	return nil
}

// lastWords reports whether words, a CamelCase name, is the last words of
// name, and not all of it: "Bucket" of "LogBucket", not of "Logbucket".
func lastWords(name, words string) bool {
	head, ok := strings.CutSuffix(name, words)
	return ok && head != "" && words[0] >= 'A' && words[0] <= 'Z'
}

// shape checks the request and response of a recognised method and
// records the fields the implementation uses.
func (b *builder) shape(f *protogen.File, m *protogen.Method, op Operation, model *Model) *Method {
	// A model inferred from google.api.resource (no protoforge option)
	// comes from a proto its authors did not write for protoforge: a
	// method that does not fit is a warning, and is left to the user.
	report := b.errorf
	if model.Inferred {
		report = func(file *protogen.File, desc protoreflect.Descriptor, format string, args ...any) {
			b.warned[m] = true
			b.warnf(file, desc, "not generated: "+format+"; it answers Unimplemented until you implement it", args...)
		}
	}
	if b.lroRead[m] {
		// What it returns is what its operation_info names.
		plain := report
		report = func(file *protogen.File, desc protoreflect.Descriptor, format string, args ...any) {
			msg := fmt.Sprintf(format, args...)
			msg = strings.Replace(msg, "returns "+string(m.Output.Desc.FullName())+";", "its operation's (google.longrunning.operation_info).response_type is "+string(m.Output.Desc.FullName())+";", 1)
			msg = declareReturns.ReplaceAllString(msg, "name $1 in response_type")
			plain(file, desc, "%s", msg)
		}
	}
	mm := &Method{Method: m, Op: op, HasHTTPRule: proto.HasExtension(m.Desc.Options(), annotations.E_Http)}
	field := fieldIn
	ok := true
	if model.Inferred && model.Name == nil {
		if r, _ := proto.GetExtension(model.Desc.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor); r != nil {
			for _, p := range r.GetPattern() {
				if strings.Count(p, "{") > 1 {
					// Its rows belong to parents, which a key alone does
					// not scope: serving it would mix every parent's rows.
					report(f, m.Desc, "resource %s has parents (pattern %q), and scoping methods to a parent is not supported yet", model.Desc.FullName(), p)
					return nil
				}
			}
		}
	}
	if model.Singleton() && op == OpList && model.Parent == nil {
		// AIP-156 lists singletons across their parents (AIP-159),
		// which are listed where they are stored.
		report(f, m.Desc, "%s is a singleton (AIP-156, pattern %q) whose parent this package does not store: its List would list parents it does not know", model.Desc.FullName(), model.Name.NamePattern)
		return nil
	}
	if model.Singleton() && op != OpGet && op != OpUpdate && op != OpList {
		// AIP-156: a singleton exists with its parent; it is not
		// created or deleted on its own.
		report(f, m.Desc, "%s is a singleton (AIP-156, pattern %q), which the standard methods serve with Get, Update and List only: it exists as long as its parent does", model.Desc.FullName(), model.Name.NamePattern)
		return nil
	}
	if why := model.UnservedKey(); why != "" {
		report(f, m.Desc, "%s: key the model by another field, or set operation: OPERATION_NONE on the method", why)
		return nil
	}
	missing := func(msg *protogen.Message, what, fix string) {
		report(f, m.Desc, "%s %s has no %s; add `%s`", kindOfMessage(msg, m), msg.Desc.FullName(), what, fix)
		ok = false
	}
	returnsModel := m.Output.Desc.FullName() == model.Desc.FullName()
	keyOrName := func() {
		k := model.Identity()
		if k == nil {
			if len(model.PrimaryKey) > 1 {
				report(f, m.Desc, "%s has a composite key; standard methods need a single-column key", model.Desc.FullName())
			} // else: no key, which the model reports
			ok = false
			return
		}
		if fd := field(m.Input, string(k.Desc.Name())); fd != nil {
			if fd.Desc.Kind() != k.Desc.Kind() || fd.Desc.IsList() {
				report(f, m.Desc, "request field %s is %s, but the key %s is %s; declare it %s", fd.Desc.FullName(), kindName(fd.Desc), k.Desc.FullName(), kindName(k.Desc), kindName(k.Desc))
				ok = false
			}
			mm.Key = fd
			if op == OpGet {
				mm.KeySuffix = parentKeySuffix(model, fd)
			}
			return
		}
		fd := field(m.Input, "name")
		if fd == nil && model.Name != nil {
			// Older APIs name it after the resource (Pub/Sub's
			// GetTopicRequest.topic), a reference to its type.
			fd = referenceField(m.Input, func(_ *protogen.Field, ref *annotations.ResourceReference) bool {
				return ref.GetType() != "" && ref.GetType() == resourceType(model)
			})
		}
		if fd != nil && fd.Desc.Kind() == protoreflect.StringKind && !fd.Desc.IsList() {
			mm.Name = fd
			mm.Pattern = resourcePattern(model)
			if parts := strings.Split(mm.Pattern, "/"); model.Name == nil && (len(parts) != 2 || !strings.HasPrefix(parts[1], "{")) {
				report(f, m.Desc, "resource pattern %q of %s has parents; names are supported as \"<collection>/{id}\" only: use the key field %q in the request instead", mm.Pattern, model.Desc.FullName(), k.Desc.Name())
				ok = false
			}
			return
		}
		missing(m.Input, fmt.Sprintf("key field %q or AIP-122 `name`", k.Desc.Name()), fmt.Sprintf("%s %s = 1;", kindName(k.Desc), k.Desc.Name()))
	}
	// resourceIn is the field of msg that holds the resource, under one
	// of the names AIP-133 and AIP-134 give it; want is the first.
	names := resourceFieldNames(model)
	want := names[0]
	rest := strings.TrimPrefix(m.GoName, op.String())
	if noun := snake(rest); noun != "" && (lastWords(string(model.Desc.Name()), rest) || parentQualified(model, rest)) && !slices.Contains(names, noun) {
		// The noun of a method named after the last words of its
		// resource's message, or after its message and its parents
		// (modelFromMethod): CreateBucket's `bucket`, a LogBucket;
		// CreateScopeNamespace's `scope_namespace`, a Namespace.
		names = append(names, noun)
	}
	// Older APIs hold it in `resource` (GKE Hub's
	// CreateMembershipRequest.resource), of the resource's type.
	names = append(names, "resource")
	resourceIn := func(msg *protogen.Message) *protogen.Field {
		for _, name := range names {
			if fd := field(msg, name); fd != nil && fd.Message != nil && fd.Message.Desc.FullName() == model.Desc.FullName() {
				return fd
			}
		}
		return nil
	}
	resource := func() {
		fd := resourceIn(m.Input)
		if fd == nil {
			missing(m.Input, fmt.Sprintf("field %q of type %s", want, model.Desc.FullName()), fmt.Sprintf("%s %s = 1;", model.Desc.Name(), want))
			return
		}
		if fd.Desc.IsList() {
			report(f, m.Desc, "request field %s is repeated; %s takes one resource: declare `%s %s = %d;`", fd.Desc.FullName(), op, model.Desc.Name(), want, fd.Desc.Number())
			ok = false
			return
		}
		mm.Resource = fd
	}
	switch op {
	case OpGet, OpUndelete:
		keyOrName()
		if !returnsModel {
			report(f, m.Desc, "returns %s; %s returns the resource: declare `returns (%s)`", m.Output.Desc.FullName(), op, model.Desc.Name())
			ok = false
		}
		mm.Etag = etagField(model, field(m.Input, "etag"))
		if op == OpUndelete && model.SoftDelete == nil {
			report(f, m.Desc, "Undelete needs a soft-deleted model; set (protoforge.v1.model).soft_delete on %s", model.Desc.Name())
			ok = false
		}
	case OpDelete:
		keyOrName()
		mm.Etag = etagField(model, field(m.Input, "etag"))
		if fd := field(m.Input, "force"); fd != nil && fd.Desc.Kind() == protoreflect.BoolKind && !fd.Desc.IsList() {
			mm.Force = fd
		}
		switch {
		case m.Output.Desc.FullName() == "google.protobuf.Empty":
			mm.ReturnsEmpty = true
		case returnsModel:
		default:
			report(f, m.Desc, "returns %s; Delete returns google.protobuf.Empty or, for soft delete, the resource", m.Output.Desc.FullName())
			ok = false
		}
	case OpCreate:
		if m.Input.Desc.FullName() == model.Desc.FullName() && model.Name != nil && !model.Singleton() && !model.Name.MultiPattern() {
			// Older APIs create a resource by sending it whole, named by
			// the client (Pub/Sub's CreateTopic(Topic), at PUT
			// /v1/{name=projects/*/topics/*}): its name gives the parent
			// and the id.
			mm.RequestIsResource = true
			if !returnsModel {
				report(f, m.Desc, "returns %s; Create returns the resource: declare `returns (%s)`", m.Output.Desc.FullName(), model.Desc.Name())
				ok = false
			}
			break
		}
		resource()
		if model.Name != nil {
			// AIP-133: the id of the name the server assigns.
			if mm.Resource != nil {
				// `{resource}_id`, after the field holding it or, for
				// `resource`, after the resource's names (GKE Hub's
				// `membership_id`).
				for _, name := range append([]string{string(mm.Resource.Desc.Name())}, names...) {
					if mm.ResourceID = stringField(field(m.Input, name+"_id")); mm.ResourceID != nil {
						break
					}
				}
			}
		}
		if len(model.ParentColumns()) > 0 {
			if mm.Parent = parentField(m.Input, model); mm.Parent == nil {
				missing(m.Input, "field `parent` (string): "+string(model.Desc.FullName())+" is named under a parent ("+ormrt.PatternText(model.Name.NamePattern)+")", "string parent = 1;")
			}
		}
		if !returnsModel {
			report(f, m.Desc, "returns %s; Create returns the resource: declare `returns (%s)`", m.Output.Desc.FullName(), model.Desc.Name())
			ok = false
		}
	case OpUpdate:
		resource()
		// Older APIs name the resource beside it (Cloud Logging's
		// UpdateBucketRequest.name, UpdateSinkRequest.sink_name, with the
		// resource in the body): that name is the resource's.
		if fd := field(m.Input, "name"); model.Name != nil && fd != nil && fd.Desc.Kind() == protoreflect.StringKind && !fd.Desc.IsList() {
			mm.Name = fd
		} else if fd := referenceField(m.Input, func(_ *protogen.Field, ref *annotations.ResourceReference) bool {
			return ref.GetType() != "" && ref.GetType() == resourceType(model)
		}); model.Name != nil && fd != nil {
			mm.Name = fd
		}
		switch fd := field(m.Input, "update_mask"); {
		case fd != nil && fd.Message != nil && fd.Message.Desc.FullName() == "google.protobuf.FieldMask":
			mm.Mask = fd
		case fd == nil && !hasMask(m.Input):
			// AIP-134: without a field mask, an Update supports full
			// replacement only (Cloud Run v2's UpdateService): it is
			// served as the mask "*" would be.
		default:
			missing(m.Input, "field `update_mask` of type google.protobuf.FieldMask", "google.protobuf.FieldMask update_mask = 2;")
		}
		// Some APIs send the etag beside the resource (Cloud Build v2's
		// UpdateConnectionRequest.etag): it guards the Update as the
		// resource's own would (AIP-154).
		mm.Etag = etagField(model, field(m.Input, "etag"))
		if !returnsModel {
			report(f, m.Desc, "returns %s; Update returns the resource: declare `returns (%s)`", m.Output.Desc.FullName(), model.Desc.Name())
			ok = false
		}
	case OpList:
		// AIP-158 asks for pagination, but a List may have none of its
		// fields (Firestore Admin's ListDatabases): it answers the whole
		// collection in one response, within a bound (crudrt).
		mm.Unpaged = field(m.Input, "page_size") == nil && field(m.Input, "page_token") == nil && field(m.Output, "next_page_token") == nil
		mm.PageSize = intField(field(m.Input, "page_size"))
		mm.Skip = intField(field(m.Input, "skip"))
		mm.PageToken = stringField(field(m.Input, "page_token"))
		mm.Filter = stringField(field(m.Input, "filter"))
		mm.OrderBy = stringField(field(m.Input, "order_by"))
		if fd := field(m.Input, "show_deleted"); fd != nil && fd.Desc.Kind() == protoreflect.BoolKind {
			mm.ShowDeleted = fd
		}
		if mm.PageSize == nil && !mm.Unpaged {
			missing(m.Input, "field `page_size` (int32)", "int32 page_size = 1;")
		}
		if mm.PageToken == nil && !mm.Unpaged {
			missing(m.Input, "field `page_token` (string)", "string page_token = 2;")
		}
		for _, fd := range m.Output.Fields {
			if fd.Desc.IsList() && fd.Message != nil && fd.Message.Desc.FullName() == model.Desc.FullName() {
				mm.Items = fd
			}
		}
		if mm.Items == nil {
			missing(m.Output, "repeated field of "+string(model.Desc.FullName()), fmt.Sprintf("repeated %s %s = 1;", model.Desc.Name(), snake(m.GoName[len("List"):])))
		}
		mm.NextPageToken = stringField(field(m.Output, "next_page_token"))
		if mm.NextPageToken == nil && !mm.Unpaged {
			missing(m.Output, "field `next_page_token` (string)", "string next_page_token = 2;")
		}
		if fd := field(m.Output, "total_size"); fd != nil && !fd.Desc.IsList() && (fd.Desc.Kind() == protoreflect.Int32Kind || fd.Desc.Kind() == protoreflect.Int64Kind) {
			mm.TotalSize = fd
		}
	case OpBatchGet, OpBatchDelete:
		if k := model.Identity(); k != nil {
			requests := field(m.Input, "requests")
			if requests != nil && (!requests.Desc.IsList() || requests.Message == nil) {
				requests = nil // not AIP-231's or AIP-235's form
			}
			if fd := field(m.Input, string(k.Desc.Name())+"s"); fd != nil && fd.Desc.IsList() && fd.Desc.Kind() == k.Desc.Kind() {
				mm.Keys = fd
			} else if fd := field(m.Input, "names"); fd != nil && fd.Desc.IsList() && fd.Desc.Kind() == protoreflect.StringKind {
				mm.Names = fd
				mm.Pattern = resourcePattern(model)
			} else if fd := field(m.Input, string(k.Desc.Name())+"s"); fd != nil {
				report(f, m.Desc, "request field %s is %s, but the key %s is %s; declare it `repeated %s %s = %d;`", fd.Desc.FullName(), kindName(fd.Desc), k.Desc.FullName(), kindName(k.Desc), kindName(k.Desc), fd.Desc.Name(), fd.Desc.Number())
				ok = false
			} else if requests != nil {
				ok = batchRequests(f, m, mm, model, requests, report) && ok
			} else {
				missing(m.Input, fmt.Sprintf("repeated key field %q, `names` or `requests`", string(k.Desc.Name())+"s"), fmt.Sprintf("repeated %s %ss = 1;", kindName(k.Desc), k.Desc.Name()))
			}
			if requests != nil && mm.Requests == nil && ok {
				// AIP-231 and AIP-235 take one or the other: which one a
				// client fills, the other left empty, is not to be guessed.
				given := mm.Keys
				if given == nil {
					given = mm.Names
				}
				report(f, m.Desc, "request %s has both `%s` and `requests`, which AIP-231 and AIP-235 offer in place of each other: remove one", m.Input.Desc.FullName(), given.Desc.Name())
				ok = false
			}
		}
		if fd := field(m.Input, "force"); op == OpBatchDelete && fd != nil && fd.Desc.Kind() == protoreflect.BoolKind && !fd.Desc.IsList() {
			mm.Force = fd // AIP-235: hoisted from Delete (AIP-135)
		}
		if op == OpBatchGet {
			b.batchItems(f, m, mm, model, &ok)
		} else if m.Output.Desc.FullName() != "google.protobuf.Empty" {
			// AIP-235: a batch soft delete answers the resources it
			// deleted.
			for _, fd := range m.Output.Fields {
				if fd.Desc.IsList() && fd.Message != nil && fd.Message.Desc.FullName() == model.Desc.FullName() {
					mm.Items = fd
				}
			}
			if mm.Items == nil {
				report(f, m.Desc, "returns %s; BatchDelete returns google.protobuf.Empty or, as AIP-235 has a soft delete do, a response with the resources: add `repeated %s %s = 1;` to it", m.Output.Desc.FullName(), model.Desc.Name(), model.Table)
				ok = false
			}
		}
	case OpBatchCreate:
		fd := field(m.Input, "requests")
		if fd == nil || !fd.Desc.IsList() || fd.Message == nil {
			missing(m.Input, "field `requests` (repeated Create"+string(model.Desc.Name())+"Request)", fmt.Sprintf("repeated Create%sRequest requests = 1;", model.Desc.Name()))
		} else {
			mm.Requests = fd
			if rf := resourceIn(fd.Message); rf != nil {
				mm.RequestResource = rf
				if model.Name != nil {
					mm.ResourceID = stringField(field(fd.Message, string(rf.Desc.Name())+"_id"))
				}
				if len(model.ParentColumns()) > 0 {
					mm.RequestParent = stringField(field(fd.Message, "parent"))
				}
			} else {
				missing(fd.Message, fmt.Sprintf("field %q of type %s", want, model.Desc.FullName()), fmt.Sprintf("%s %s = 1;", model.Desc.Name(), want))
			}
		}
		b.batchItems(f, m, mm, model, &ok)
	case OpBatchUpdate:
		if model.Identity() == nil {
			if len(model.PrimaryKey) > 1 {
				report(f, m.Desc, "%s has a composite key; standard methods need a single-column key", model.Desc.FullName())
			}
			return nil
		}
		fd := field(m.Input, "requests")
		if fd == nil || !fd.Desc.IsList() || fd.Message == nil {
			missing(m.Input, "field `requests` (repeated Update"+string(model.Desc.Name())+"Request)", fmt.Sprintf("repeated Update%sRequest requests = 1;", model.Desc.Name()))
		} else {
			mm.Requests = fd
			if rf := resourceIn(fd.Message); rf != nil {
				mm.RequestResource = rf
			} else {
				missing(fd.Message, fmt.Sprintf("field %q of type %s", want, model.Desc.FullName()), fmt.Sprintf("%s %s = 1;", model.Desc.Name(), want))
			}
			if mf := field(fd.Message, "update_mask"); mf != nil && mf.Message != nil && mf.Message.Desc.FullName() == "google.protobuf.FieldMask" {
				mm.RequestMask = mf
			}
		}
		if mf := field(m.Input, "update_mask"); mf != nil && mf.Message != nil && mf.Message.Desc.FullName() == "google.protobuf.FieldMask" {
			mm.Mask = mf
		}
		b.batchItems(f, m, mm, model, &ok)
	}
	if m.Output.APILevel == gofeaturespb.GoFeatures_API_OPAQUE && (op == OpList || isBatch(op) || mm.ReturnsEmpty) {
		report(f, m.Desc, "response %s: %s", m.Output.Desc.FullName(), opaqueAdvice)
		ok = false
	}
	if len(model.ParentColumns()) > 0 {
		switch op {
		case OpList, OpBatchGet, OpBatchDelete, OpBatchCreate, OpBatchUpdate:
			mm.Parent = parentField(m.Input, model)
		}
		if op == OpList && mm.Parent == nil && !model.Singleton() {
			// Without it, the List would read every parent's rows.
			missing(m.Input, "field `parent` (string): "+string(model.Desc.FullName())+" is named under a parent ("+ormrt.PatternText(model.Name.NamePattern)+"), and a List reads one parent's (AIP-132)", "string parent = 1;")
		}
		if op == OpBatchCreate && mm.Parent == nil && mm.RequestParent == nil && mm.Requests != nil {
			missing(m.Input, "field `parent` (string), nor do its requests: "+string(model.Desc.FullName())+" is named under a parent ("+ormrt.PatternText(model.Name.NamePattern)+")", "string parent = 1;")
		}
	} else if fd := field(m.Input, "parent"); fd != nil && ok && op == OpList && stringField(fd) != nil && HeldParent(model) != nil {
		// A resource whose name places it under no parent, which a field
		// of its own names (Resource Manager's Project.parent,
		// `folders/1`): the List's parent selects by that field.
		mm.Parent, mm.ParentIn = fd, HeldParent(model)
	} else if fd != nil && ok {
		// Serving it while ignoring parent would show or write the rows
		// of every parent: one customer would see another's.
		report(f, m.Desc, "request %s has `parent`, and scoping %s to a parent (AIP-132, AIP-133) is not supported yet (to implement it yourself, map it with (protoforge.v1.method).operation: OPERATION_NONE)", m.Input.Desc.FullName(), op)
		ok = false
	}
	if m.Desc.IsStreamingClient() || m.Desc.IsStreamingServer() {
		report(f, m.Desc, "is streaming; standard methods are unary: remove `stream` or set (protoforge.v1.method).operation: OPERATION_NONE")
		ok = false
	}
	if !ok {
		return nil
	}
	if fd := field(m.Input, "read_mask"); fd != nil && fd.Message != nil && fd.Message.Desc.FullName() == "google.protobuf.FieldMask" && (op != OpBatchDelete || mm.Items != nil) && !mm.ReturnsEmpty {
		mm.ReadMask = fd
	}
	for _, fd := range []*protogen.Field{mm.Resource, mm.Mask, mm.RequestResource, mm.RequestMask, mm.ReadMask} {
		if fd != nil && fd.Desc.IsList() {
			report(f, m.Desc, "request field %s is repeated; the generated %s reads one %s: declare it without `repeated`", fd.Desc.FullName(), op, fd.Message.Desc.FullName())
			return nil
		}
	}
	switch op {
	case OpCreate, OpUpdate, OpDelete, OpUndelete, OpBatchCreate, OpBatchUpdate, OpBatchDelete:
		if fd := field(m.Input, "validate_only"); fd != nil && fd.Desc.Kind() == protoreflect.BoolKind && !fd.Desc.IsList() {
			mm.ValidateOnly = fd
		}
		if fd := field(m.Input, "request_id"); fd != nil && fd.Desc.Kind() == protoreflect.StringKind && !fd.Desc.IsList() {
			mm.IdempotencyKey = fd
			model.RequestIDTable = RequestIDTableOf(model.Desc.ParentFile().Package())
		}
	}
	if fd := field(m.Input, "allow_missing"); fd != nil && fd.Desc.Kind() == protoreflect.BoolKind && !fd.Desc.IsList() &&
		((op == OpUpdate && model.Name != nil && model.Tenant == nil) || op == OpDelete || op == OpBatchDelete) {
		mm.AllowMissing = fd
	}
	if model.Singleton() && (op == OpGet || op == OpUpdate) && mm.KeySuffix == "" {
		mm.OwnerName = ownerBound(m, cmp.Or(mm.Key, mm.Name), model.Name.NamePattern)
	}
	b.unsupported(f, mm, report)
	return mm
}

// ownerBound reports whether a google.api.http binding of m puts the
// request field fd before the collection of a singleton of pattern
// (AIP-156), "/v2/{name=*/*}/settings": such a route gives the field the
// name of the singleton's parent.
func ownerBound(m *protogen.Method, fd *protogen.Field, pattern string) bool {
	rule, _ := proto.GetExtension(m.Desc.Options(), annotations.E_Http).(*annotations.HttpRule)
	if rule == nil || fd == nil {
		return false
	}
	collection := pattern[strings.LastIndexByte(pattern, '/')+1:]
	for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
		_, path := httpRule(r)
		// The last variable, and what follows it.
		last := path[max(strings.LastIndexByte(path, '{'), 0):]
		v, rest, _ := strings.Cut(strings.TrimPrefix(last, "{"), "}")
		v, _, _ = strings.Cut(v, "=")
		if v == string(fd.Desc.Name()) && rest == "/"+collection {
			return true
		}
	}
	return false
}

// partialSuccess reports whether fd is the AIP-217 return_partial_success
// of a read (Get, List, BatchGet): the generated server reads one
// database, where every resource is reachable, so a request that allows
// a partial answer is answered in full, with nothing unreachable, as the
// AIP has it.
func partialSuccess(mm *Method, fd *protogen.Field) bool {
	return fd.Desc.Name() == "return_partial_success" && fd.Desc.Kind() == protoreflect.BoolKind && !fd.Desc.IsList() &&
		fd.Desc.Cardinality() != protoreflect.Required && (mm.Op == crudrt.OpGet || mm.Op == crudrt.OpList || mm.Op == crudrt.OpBatchGet)
}

// unsupported lists in mm.Unsupported the request fields that mm does not
// serve, and warns of each at its declaration: the generated method
// refuses a request that sets one (InvalidArgument naming it), as serving
// it while ignoring the field would drop what the client asked for
// (AIP-163 validate_only would write, AIP-155 request_id would not be
// idempotent). A view enum (AIP-157 `view`, `*_view`) is served as the
// full resource, which every view's fields are part of. Such a field
// that is required (proto2's `required`, editions' LEGACY_REQUIRED), as
// is a response field the method never sets, is reported: every request
// would set it and be refused, or no response would marshal.
func (b *builder) unsupported(f *protogen.File, mm *Method, report func(*protogen.File, protoreflect.Descriptor, string, ...any)) {
	if mm.RequestIsResource {
		return // every field of the request is the resource's
	}
	// (protoforge.v1.method).ignored_fields: accepted and left unused.
	ignored := map[string]bool{}
	mopts, _ := proto.GetExtension(mm.Desc.Options(), protoforgev1.E_Method).(*protoforgev1.MethodOptions)
	for _, name := range mopts.GetIgnoredFields() {
		ignored[name] = false
	}
	defer func() {
		for name, seen := range ignored {
			if !seen {
				b.errorf(f, mm.Desc, "(protoforge.v1.method).ignored_fields names %q, which is not a request field the generated %s leaves unserved", name, mm.Op)
			}
		}
	}()
	used := map[*protogen.Field]bool{}
	for _, fd := range []*protogen.Field{mm.Key, mm.Name, mm.Resource, mm.ResourceID, mm.Parent, mm.Force, mm.Mask,
		mm.PageSize, mm.PageToken, mm.Filter, mm.OrderBy, mm.ShowDeleted, mm.Skip, mm.Etag, mm.Keys, mm.Names, mm.Requests,
		mm.ReadMask, mm.ValidateOnly, mm.AllowMissing, mm.RequestResource, mm.RequestParent, mm.RequestMask, mm.IdempotencyKey,
		mm.RequestKey, mm.RequestName, mm.RequestEtag, mm.RequestForce, mm.RequestAllowMissing, mm.RequestReadMask} {
		if fd != nil {
			used[fd] = true
		}
	}
	check := func(msg *protogen.Message, prefix string) {
		for _, fd := range msg.Fields {
			name := string(fd.Desc.Name())
			if _, ok := ignored[prefix+name]; ok && !used[fd] {
				ignored[prefix+name] = true
				continue
			}
			if used[fd] || partialSuccess(mm, fd) {
				continue
			}
			view := fd.Enum != nil && !fd.Desc.IsList() && (name == "view" || strings.HasSuffix(name, "_view"))
			once := string(fd.Desc.FullName()) + " " + mm.Op.String()
			switch {
			case !view && fd.Desc.Cardinality() == protoreflect.Required:
				report(f, fd.Desc, "is required, and the generated %s refuses a request that sets it, which every request must: each would be refused; give it explicit presence ([features.field_presence = EXPLICIT]), or implement %s yourself", mm.Op, mm.GoName)
			case b.warnedFields[once]:
				// A request message that two methods share.
			case view:
				b.warnf(f, fd.Desc, "not used by the generated %s: every request is answered with the full resource (AIP-157)", mm.Op)
			default:
				b.warnf(f, fd.Desc, "not used by the generated %s: a request that sets it is refused with InvalidArgument; implement %s yourself to serve it", mm.Op, mm.GoName)
			}
			b.warnedFields[once] = true
			if !view {
				mm.Unsupported = append(mm.Unsupported, prefix+name)
			}
		}
	}
	check(mm.Input, "")
	// A List or batch response built in place: its fields other than the
	// resources and the page token are never set.
	if mm.Items != nil {
		for _, fd := range mm.Output.Fields {
			once := string(fd.Desc.FullName()) + " " + mm.Op.String()
			if fd == mm.Items || fd == mm.NextPageToken || fd == mm.TotalSize {
				continue
			}
			if fd.Desc.Cardinality() == protoreflect.Required {
				report(f, fd.Desc, "is required, and the generated %s never sets it: no response would marshal; give it explicit presence ([features.field_presence = EXPLICIT]), or implement %s yourself", mm.Op, mm.GoName)
				continue
			}
			if b.warnedFields[once] {
				continue
			}
			b.warnedFields[once] = true
			b.warnf(f, fd.Desc, "never set by the generated %s: it is always empty (implement %s yourself to fill it)", mm.Op, mm.GoName)
		}
	}
	if mm.Requests != nil && mm.Requests.Message != nil {
		// BatchCreate's requests: their resource_id and parent (used
		// above through ResourceID and RequestParent) and the resource;
		// BatchUpdate's: the resource and the mask; BatchGet's and
		// BatchDelete's: the key or name, and what Get and Delete serve.
		if mm.ResourceID != nil {
			used[mm.ResourceID] = true
		}
		check(mm.Requests.Message, string(mm.Requests.Desc.Name())+".")
	}
}

// etagField is a request's etag field, a string, when the model keeps an
// etag (AIP-154) to check it against; else nil, which leaves the field
// unserved: a request that sets it is refused rather than carried out
// without the check it asks for.
func etagField(model *Model, fd *protogen.Field) *protogen.Field {
	if model.ColumnByRole(RoleEtag) == nil {
		return nil
	}
	return stringField(fd)
}

// batchRequests reads fd, the `requests` of a BatchGet or BatchDelete
// (AIP-231, AIP-235: `repeated GetBookRequest requests`): each names its
// resource as Get or Delete does, by its key field or its `name`, and a
// BatchDelete's may carry Delete's `etag`, `force` and `allow_missing`,
// a BatchGet's Get's `read_mask`.
func batchRequests(f *protogen.File, m *protogen.Method, mm *Method, model *Model, fd *protogen.Field, report func(*protogen.File, protoreflect.Descriptor, string, ...any)) bool {
	k := model.Identity()
	each := fd.Message
	if kf := fieldIn(each, string(k.Desc.Name())); kf != nil && kf.Desc.Kind() == k.Desc.Kind() && !kf.Desc.IsList() {
		mm.RequestKey = kf
	} else if nf := stringField(fieldIn(each, "name")); nf != nil {
		mm.RequestName = nf
		mm.Pattern = resourcePattern(model)
	} else if rf := referenceField(each, func(_ *protogen.Field, ref *annotations.ResourceReference) bool {
		return model.Name != nil && ref.GetType() != "" && ref.GetType() == resourceType(model)
	}); rf != nil {
		// Older APIs name it after the resource, as their Get does
		// (Pub/Sub's GetTopicRequest.topic).
		mm.RequestName = rf
		mm.Pattern = resourcePattern(model)
	} else {
		report(f, m.Desc, "request %s (each of %s) has no key field %q or AIP-122 `name`; add `%s %s = 1;`", each.Desc.FullName(), fd.Desc.FullName(), k.Desc.Name(), kindName(k.Desc), k.Desc.Name())
		return false
	}
	mm.Requests = fd
	if mm.Op == OpBatchDelete {
		mm.RequestEtag = etagField(model, fieldIn(each, "etag"))
		if bf := fieldIn(each, "force"); bf != nil && bf.Desc.Kind() == protoreflect.BoolKind && !bf.Desc.IsList() {
			mm.RequestForce = bf
		}
		if bf := fieldIn(each, "allow_missing"); bf != nil && bf.Desc.Kind() == protoreflect.BoolKind && !bf.Desc.IsList() {
			mm.RequestAllowMissing = bf
		}
	} else if rm := fieldIn(each, "read_mask"); rm != nil && rm.Message != nil && rm.Message.Desc.FullName() == "google.protobuf.FieldMask" && !rm.Desc.IsList() {
		mm.RequestReadMask = rm
	}
	return true
}

// fieldIn is the field of msg named name, or nil.
func fieldIn(msg *protogen.Message, name string) *protogen.Field {
	for _, fd := range msg.Fields {
		if string(fd.Desc.Name()) == name {
			return fd
		}
	}
	return nil
}

func isBatch(op Operation) bool {
	return op == OpBatchGet || op == OpBatchCreate || op == OpBatchUpdate || op == OpBatchDelete
}

// batchItems finds the response's repeated field of the model.
func (b *builder) batchItems(f *protogen.File, m *protogen.Method, mm *Method, model *Model, ok *bool) {
	for _, fd := range m.Output.Fields {
		if fd.Desc.IsList() && fd.Message != nil && fd.Message.Desc.FullName() == model.Desc.FullName() {
			mm.Items = fd
			return
		}
	}
	report := b.errorf
	if model.Inferred {
		b.warned[m] = true
		report = func(file *protogen.File, desc protoreflect.Descriptor, format string, args ...any) {
			b.warnf(file, desc, "not generated: "+format+"; it answers Unimplemented until you implement it", args...)
		}
	}
	report(f, m.Desc, "response %s has no repeated field of %s; add `repeated %s %s = 1;`", m.Output.Desc.FullName(), model.Desc.FullName(), model.Desc.Name(), model.Table)
	*ok = false
}

func kindOfMessage(msg *protogen.Message, m *protogen.Method) string {
	// Pub/Sub's CreateSubscription takes and returns a Subscription: what
	// lacks a field there is the request.
	if msg == m.Input {
		return "request"
	}
	return "response"
}

// HeldParent is the stored string field `parent` of a resource whose
// name places it under no parent (Resource Manager's Folder, Project,
// TagKey: `folders/{folder}`, whose parent is `folders/…` or
// `organizations/…`), or nil.
func HeldParent(m *Model) *Field {
	if len(m.ParentColumns()) > 0 {
		return nil
	}
	for _, f := range m.Columns {
		if f.Desc.Name() == "parent" && f.Type == TypeString && !f.Desc.IsList() && f.Queryable && f != m.Name {
			return f
		}
	}
	return nil
}

// resourceType is the google.api.resource type of m, or "".
func resourceType(m *Model) string {
	r, _ := proto.GetExtension(m.Desc.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
	return r.GetType()
}

// referenceField is the one string field of msg whose
// google.api.resource_reference is, by match, what is looked for, or nil
// when none or several are.
func referenceField(msg *protogen.Message, match func(*protogen.Field, *annotations.ResourceReference) bool) *protogen.Field {
	var found *protogen.Field
	for _, fd := range msg.Fields {
		ref, _ := proto.GetExtension(fd.Desc.Options(), annotations.E_ResourceReference).(*annotations.ResourceReference)
		if stringField(fd) == nil || ref == nil || !match(fd, ref) {
			continue
		}
		if found != nil {
			return nil
		}
		found = fd
	}
	return found
}

// parentField is the field of a request msg that names the parent of
// model's resources: `parent` (AIP-132, AIP-133), else, as older APIs
// name it after the parent (Pub/Sub's ListTopicsRequest.project, of
// projects/{project}/topics/{topic}), the one reference to a child of
// model's type, to its parent's type, or named as the parent pattern's
// id (of a type this package does not define: a project).
func parentField(msg *protogen.Message, model *Model) *protogen.Field {
	for _, fd := range msg.Fields {
		if string(fd.Desc.Name()) == "parent" {
			return stringField(fd)
		}
	}
	typ, pp := resourceType(model), model.ParentPattern()
	var parentType, lastVar string
	if model.Parent != nil {
		parentType = resourceType(model.Parent)
	}
	if parts := strings.Split(pp, "/"); typ != "" && len(ormrt.Patterns(pp)) == 1 && strings.HasPrefix(parts[len(parts)-1], "{") {
		lastVar = strings.Trim(parts[len(parts)-1], "{}")
	}
	return referenceField(msg, func(fd *protogen.Field, ref *annotations.ResourceReference) bool {
		switch {
		case typ == "":
			return false
		case ref.GetChildType() != "":
			return ref.GetChildType() == typ
		case parentType != "":
			return ref.GetType() == parentType
		}
		return lastVar != "" && string(fd.Desc.Name()) == lastVar && ref.GetType() != "" && ref.GetType() != typ
	})
}

func stringField(fd *protogen.Field) *protogen.Field {
	if fd == nil || fd.Desc.Kind() != protoreflect.StringKind || fd.Desc.IsList() {
		return nil
	}
	return fd
}

func intField(fd *protogen.Field) *protogen.Field {
	if fd == nil || fd.Desc.Kind() != protoreflect.Int32Kind || fd.Desc.IsList() {
		return nil
	}
	return fd
}

// resourcePattern is the model's resource name pattern: its
// google.api.resource pattern when it has one, else "<table>/{key}".
func resourcePattern(m *Model) string {
	if r, ok := proto.GetExtension(m.Desc.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor); ok && len(StoredPatterns(r)) > 0 {
		return StoredPatterns(r)[0]
	}
	return m.Table + "/{" + string(m.PrimaryKey[0].Desc.Name()) + "}"
}

// defaultRoute is the AIP default REST route of a standard method without
// a google.api.http annotation, or nil.
func defaultRoute(m *Method) *Route {
	if m.HasHTTPRule || m.Model.Identity() == nil {
		return nil // a model without a single key is already an error
	}
	if n := m.Model.Name; n != nil && n.MultiPattern() {
		// One binding a pattern: the first's the route, the others'
		// its additional bindings.
		var first *Route
		for _, alt := range ormrt.Patterns(n.NamePattern) {
			r := defaultRouteOf(m, alt, ormrt.ParentPattern(alt))
			if r == nil {
				return nil
			}
			if first == nil {
				first = r
			} else {
				first.Additional = append(first.Additional, *r)
			}
		}
		return first
	}
	pattern := ""
	if m.Model.Name != nil {
		pattern = m.Model.Name.NamePattern
	}
	return defaultRouteOf(m, pattern, m.Model.ParentPattern())
}

// defaultRouteOf is defaultRoute for the resources of one name pattern
// (empty for a resource not identified by its name) and its parent
// pattern.
func defaultRouteOf(m *Method, pattern, parent string) *Route {
	c := m.Model.Collection
	named := m.Model.Name != nil
	item := "/v1/" + c + "/{" + keyPath(m) + "}"
	// collection is the path of List and Create: under the parent for a
	// resource named under one.
	collection := "/v1/" + c
	if named || m.Name != nil {
		glob := c + "/*"
		if named {
			glob = globOf(pattern)
		}
		item = "/v1/{" + keyPath(m) + "=" + glob + "}"
		if m.Name != nil {
			item = "/v1/{" + string(m.Name.Desc.Name()) + "=" + glob + "}"
		}
	}
	if p := parent; p != "" && m.Parent != nil {
		collection = "/v1/{" + string(m.Parent.Desc.Name()) + "=" + globOf(p) + "}/" + c
		if m.Model.Singleton() {
			// AIP-156: singletons are listed under their parent by
			// their plural, /v1/{parent=users/*}/configs.
			collection = "/v1/{" + string(m.Parent.Desc.Name()) + "=" + globOf(p) + "}/" + singletonPlural(m)
		}
	}
	switch m.Op {
	case OpGet:
		return &Route{Verb: "GET", Path: item, Body: ""}
	case OpList:
		return &Route{Verb: "GET", Path: collection, Body: ""}
	case OpCreate:
		if m.RequestIsResource {
			// The client names it: the resource is put at its name.
			return &Route{Verb: "PUT", Path: "/v1/{" + string(m.Model.Name.Desc.Name()) + "=" + globOf(pattern) + "}", Body: "*"}
		}
		return &Route{Verb: "POST", Path: collection, Body: string(m.Resource.Desc.Name())}
	case OpUpdate:
		res := string(m.Resource.Desc.Name())
		if named {
			return &Route{Verb: "PATCH", Path: "/v1/{" + res + "." + string(m.Model.Name.Desc.Name()) + "=" + globOf(pattern) + "}", Body: res}
		}
		return &Route{Verb: "PATCH", Path: "/v1/" + c + "/{" + res + "." + string(m.Model.PrimaryKey[0].Desc.Name()) + "}", Body: res}
	case OpDelete:
		return &Route{Verb: "DELETE", Path: item, Body: ""}
	case OpUndelete:
		return &Route{Verb: "POST", Path: item + ":undelete", Body: "*"}
	case OpBatchGet:
		if m.Requests != nil {
			// google.api.http maps no repeated message to query
			// parameters: AIP-231's requests go in the body.
			return &Route{Verb: "POST", Path: collection + ":batchGet", Body: "*"}
		}
		return &Route{Verb: "GET", Path: collection + ":batchGet", Body: ""}
	case OpBatchCreate:
		return &Route{Verb: "POST", Path: collection + ":batchCreate", Body: "*"}
	case OpBatchUpdate:
		return &Route{Verb: "POST", Path: collection + ":batchUpdate", Body: "*"}
	case OpBatchDelete:
		return &Route{Verb: "POST", Path: collection + ":batchDelete", Body: "*"}
	}
	return nil
}

// singletonPlural is the plural of a singleton resource, which AIP-156
// asks resources to declare: its google.api.resource plural, else the
// List method's noun in lowerCamelCase (ListConfigs: configs).
func singletonPlural(m *Method) string {
	if r, _ := proto.GetExtension(m.Model.Desc.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor); r.GetPlural() != "" {
		return r.GetPlural()
	}
	noun := strings.TrimPrefix(m.GoName, "List")
	if noun == "" {
		return m.Model.Collection
	}
	return strings.ToLower(noun[:1]) + noun[1:]
}

// uniqueRoutes drops the default REST route of a standard method that
// another method's route already binds (the same verb and path, whatever
// its variables are called: two services' ListBooks of one collection, or
// a method mapped to Get beside GetBook), warning at the method: it is
// served over gRPC, gRPC-Web and Connect, and over REST once it has a
// google.api.http binding of its own. google.api.http bindings are taken
// first, then default routes in the order of the files and methods.
func (b *builder) uniqueRoutes() {
	type bound struct {
		svc *Service
		m   *protogen.Method
	}
	taken := map[string]bound{}
	for _, svc := range b.s.Services {
		for _, m := range svc.Service.Methods {
			rule, _ := proto.GetExtension(m.Desc.Options(), annotations.E_Http).(*annotations.HttpRule)
			for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
				if verb, path := httpRule(r); verb != "" {
					if fault := bindingFault(m, r, path); fault != "" {
						b.errorf(svc.File, m.Desc, "google.api.http binding %s %s: %s", verb, path, fault)
					}
					if _, ok := taken[routeKey(verb, path)]; !ok {
						taken[routeKey(verb, path)] = bound{svc, m}
					}
				}
			}
		}
	}
	for _, svc := range b.s.Services {
		for _, m := range svc.Methods {
			if m.Requests != nil && (m.Op == OpBatchGet || m.Op == OpBatchDelete) {
				rule, _ := proto.GetExtension(m.Desc.Options(), annotations.E_Http).(*annotations.HttpRule)
				for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
					if verb, path := httpRule(r); verb != "" && r.GetBody() == "" {
						// RESTGuard refuses `requests.name` in a query.
						b.warnf(svc.File, m.Desc, "google.api.http binding %s %s has no body, and google.api.http maps no repeated message to query parameters: over REST its `%s` cannot be given (every call is an empty batch); bind it with body: \"*\" (it is served over gRPC, gRPC-Web and Connect)", verb, path, m.Requests.Desc.Name())
					}
				}
			}
			if m.Route == nil {
				continue
			}
			var dup string
			for _, r := range append([]Route{*m.Route}, m.Route.Additional...) {
				if prev, ok := taken[routeKey(r.Verb, r.Path)]; ok && prev.m != m.Method && dup == "" {
					dup = fmt.Sprintf("%s %s is %s's already", r.Verb, r.Path, prev.m.Desc.FullName())
				}
			}
			if dup != "" {
				b.warnf(svc.File, m.Desc, "no default REST route: %s; add a google.api.http binding to serve it over REST (it is served over gRPC, gRPC-Web and Connect)", dup)
				m.Route = nil
				continue
			}
			for _, r := range append([]Route{*m.Route}, m.Route.Additional...) {
				taken[routeKey(r.Verb, r.Path)] = bound{svc, m.Method}
			}
		}
	}
}

// bindingFault is what is wrong in the google.api.http binding r (whose
// path template is path) of method m, which the REST transcoder would
// refuse when the server starts, or answer every request of with an
// error, or "": a path variable must name a field of the request, through
// messages that are not repeated, that holds one value of a primitive
// type (not a list, a map or a message); the body a top-level field of the
// request, or "*"; the response_body a top-level field of the response.
func bindingFault(m *protogen.Method, r *annotations.HttpRule, path string) string {
	for rest := path; ; {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			break
		}
		field, _, _ := strings.Cut(rest[i+1:j], "=")
		rest = rest[j+1:]
		md := m.Input.Desc
		parts := strings.Split(field, ".")
		for k, part := range parts {
			fd := md.Fields().ByName(protoreflect.Name(part))
			switch {
			case fd == nil:
				return fmt.Sprintf("path variable %q names no field of %s (write proto field names)", field, md.FullName())
			case fd.IsMap():
				return fmt.Sprintf("path variable %q is the map %s; a path variable sets one value", field, fd.FullName())
			case fd.IsList():
				return fmt.Sprintf("path variable %q is the repeated field %s; a path variable sets one value", field, fd.FullName())
			case k < len(parts)-1 && fd.Message() == nil:
				return fmt.Sprintf("path variable %q goes past %s, which is not a message", field, fd.FullName())
			case k == len(parts)-1 && fd.Message() != nil:
				return fmt.Sprintf("path variable %q is the message %s; a path variable sets a field of a primitive type", field, fd.FullName())
			}
			md = fd.Message()
		}
	}
	if body := r.GetBody(); body != "" && body != "*" && m.Input.Desc.Fields().ByName(protoreflect.Name(body)) == nil {
		return fmt.Sprintf("body %q names no top-level field of %s (or \"*\" for the whole request)", body, m.Input.Desc.FullName())
	}
	if rb := r.GetResponseBody(); rb != "" && m.Output.Desc.Fields().ByName(protoreflect.Name(rb)) == nil {
		return fmt.Sprintf("response_body %q names no top-level field of %s", rb, m.Output.Desc.FullName())
	}
	return ""
}

// httpRule is the verb and path template of a google.api.http rule, or "".
func httpRule(r *annotations.HttpRule) (verb, path string) {
	switch p := r.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return "GET", p.Get
	case *annotations.HttpRule_Put:
		return "PUT", p.Put
	case *annotations.HttpRule_Post:
		return "POST", p.Post
	case *annotations.HttpRule_Delete:
		return "DELETE", p.Delete
	case *annotations.HttpRule_Patch:
		return "PATCH", p.Patch
	case *annotations.HttpRule_Custom:
		return p.Custom.GetKind(), p.Custom.GetPath()
	}
	return "", ""
}

// routeKey is a route as a router tells routes apart: its verb and its
// path with every variable as the segments it matches.
func routeKey(verb, path string) string {
	var b strings.Builder
	b.WriteString(verb + " ")
	for i := 0; i < len(path); i++ {
		if path[i] != '{' {
			b.WriteByte(path[i])
			continue
		}
		end := strings.IndexByte(path[i:], '}')
		if end < 0 {
			b.WriteString(path[i:])
			break
		}
		v := path[i+1 : i+end]
		if _, pattern, ok := strings.Cut(v, "="); ok {
			b.WriteString(pattern)
		} else {
			b.WriteString("*")
		}
		i += end
	}
	return b.String()
}

// globOf is a pattern as a path template matches it: every variable a
// single segment, "shelves/{shelf}/books/{book}" → "shelves/*/books/*".
func globOf(pattern string) string {
	if alts := ormrt.Patterns(pattern); len(alts) > 1 {
		// A set of patterns (AIP-123): the glob of each.
		for i, alt := range alts {
			alts[i] = globOf(alt)
		}
		return strings.Join(alts, "|")
	}
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") {
			parts[i] = "*"
		}
	}
	return strings.Join(parts, "/")
}

func keyPath(m *Method) string {
	if m.Key != nil {
		return string(m.Key.Desc.Name())
	}
	if m.Keys != nil {
		return string(m.Keys.Desc.Name())
	}
	return "id"
}

// resourceFieldNames are the names a request field holding model's
// resource may have, the one AIP-133 and AIP-134 ask for first: the
// snake_case of the resource's singular (its google.api.resource
// `singular`, else its type's name: Artifact Registry's message
// VPCSCConfig is of type `…/VpcscConfig`, held by `vpcsc_config`), then
// of the message's name, then each of those with its words run together.
func resourceFieldNames(model *Model) []string {
	var names []string
	add := func(s string) {
		if s = snake(s); s != "" && !slices.Contains(names, s) {
			names = append(names, s)
		}
	}
	if r, _ := proto.GetExtension(model.Desc.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor); r != nil {
		add(r.GetSingular())
		if _, typ, ok := strings.Cut(r.GetType(), "/"); ok {
			add(typ)
		}
	}
	add(string(model.Desc.Name()))
	for _, n := range slices.Clone(names) {
		// The same words run together, as GKE Hub spells the field of
		// its RBACRoleBinding: `rbacrolebinding`.
		add(strings.ReplaceAll(n, "_", ""))
	}
	return names
}

// snake turns a Go or lowerCamelCase name into snake_case, a run of
// capitals being one word: "BookEntry" → "book_entry", "vpcscConfig" and
// "VPCSCConfig" → "vpcsc_config".
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	upper := func(r rune) bool { return r >= 'A' && r <= 'Z' }
	for i, r := range rs {
		if upper(r) {
			// A word starts at a capital after a lowercase letter or a
			// digit, or at the last capital of a run before lowercase.
			if i > 0 && (!upper(rs[i-1]) || i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z') {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
