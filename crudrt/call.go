package crudrt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// Method describes one standard method of a generated type to the
// runtime: its operation, its request and response messages, and which of
// their fields carry what, by proto field name ("" when the message has no
// such field). Generated methods are one call of Call each; what they do
// with the request is decided here from this description, and compiled
// once.
type Method struct {
	// Name is the method's full name ("library.v1.BookService.GetBook"),
	// for errors.
	Name string
	// Op is the operation: exactly one of the Op constants.
	Op Op
	// Request and Response are the full names of the method's messages,
	// found among the linked generated types (protoregistry.GlobalTypes).
	Request, Response string

	// Key is the request's key field ("id"), NameField the field holding the
	// resource's AIP-122 name ("name"): Get, Delete and Undelete have one.
	Key, NameField string `json:",omitempty"`
	// KeySuffix is set on a Get of a singleton (AIP-156) whose request
	// names its parent: the singleton's name is the request's key and
	// KeySuffix (Cloud KMS's GetPublicKey takes a CryptoKeyVersion's name,
	// and its PublicKey is that name and "/publicKey").
	KeySuffix string `json:",omitempty"`
	// OwnerName is set on a Get or Update of a singleton whose REST route
	// binds the name's field before the singleton's collection (Cloud
	// Logging's `/v2/{name=*/*}/settings`): the name of the singleton's
	// parent, which such a route gives, names the parent's singleton.
	OwnerName bool `json:",omitempty"`
	// Unpaged is set on a List whose messages have no pagination fields
	// (AIP-158's page_size, page_token and next_page_token; Firestore
	// Admin's ListDatabases): it answers the whole collection in one
	// response of at most the largest page (WithPageSizes), and a
	// collection larger than that is ResourceExhausted naming the bound,
	// never a response cut short.
	Unpaged bool `json:",omitempty"`
	// Keys and Names are a batch request's repeated keys or names.
	Keys, Names string `json:",omitempty"`
	// Etag is Delete's and Undelete's etag, or Update's beside the
	// resource, Force Delete's and BatchDelete's force.
	Etag, Force string `json:",omitempty"`
	// Parent is the request's AIP-132/133 parent, ResourceID Create's
	// `{resource}_id`.
	Parent, ResourceID string `json:",omitempty"`
	// Resource is the field holding the resource (Create, Update), Mask
	// Update's update_mask (BatchUpdate's: the mask of all its requests);
	// an Update without Mask replaces the whole resource.
	Resource, Mask string `json:",omitempty"`
	// List's request fields.
	PageSize, PageToken, Filter, OrderBy, ShowDeleted, Skip string `json:",omitempty"`
	// Requests is BatchCreate's or BatchUpdate's repeated requests, and
	// RequestResource, RequestParent, RequestID and RequestMask the fields
	// of each of them. On a BatchGet or BatchDelete, Requests is the
	// repeated Get or Delete requests that AIP-231 and AIP-235 allow in
	// place of Names: RequestKey or RequestName names each one's
	// resource, RequestEtag, RequestForce and RequestAllowMissing are the
	// Delete's fields, RequestReadMask the Get's.
	Requests, RequestResource, RequestParent, RequestID, RequestMask string `json:",omitempty"`
	RequestKey, RequestName, RequestEtag, RequestForce               string `json:",omitempty"`
	RequestAllowMissing, RequestReadMask                             string `json:",omitempty"`
	// Items is the response's repeated resources (List, BatchGet,
	// BatchCreate, BatchUpdate), NextPageToken List's next page token and
	// TotalSize its AIP-132 total_size (int32 or int64).
	Items, NextPageToken, TotalSize string `json:",omitempty"`
	// ReturnsEmpty is set on a Delete whose response is an empty message
	// rather than the resource.
	ReturnsEmpty bool `json:",omitempty"`
	// RequestIsResource is set on a Create whose request is the resource
	// itself, named by the client (Pub/Sub's CreateTopic(Topic), at PUT
	// /v1/{name=projects/*/topics/*}): its name gives the parent and the
	// id, which must have AIP-122's syntax.
	RequestIsResource bool `json:",omitempty"`
	// ParentIn is set on a List of a resource whose name places it under
	// no parent, and whose field of that name holds its parent (Resource
	// Manager's Project.parent, `folders/1`): the request's Parent
	// selects the resources whose field holds it.
	ParentIn string `json:",omitempty"`
	// ReadMask (AIP-157), ValidateOnly (AIP-163) and AllowMissing
	// (AIP-134/135) are the request's fields of those names, when served.
	ReadMask, ValidateOnly, AllowMissing string `json:",omitempty"`
	// IdempotencyKey is the request's AIP-155 `request_id` of a write:
	// a request that sets it is carried out once, and a repeat of it gets
	// the first one's response (see Resource.RequestIDTable).
	IdempotencyKey string `json:",omitempty"`
	// Unsupported are the request's fields the method does not serve
	// (Unsupported): a request that sets one is refused.
	Unsupported []string `json:",omitempty"`
	// OperationMetadata is set on a write that returns a long-running
	// operation (AIP-151): the full name of the operation's metadata
	// message. Response is then the operation's response, and the method
	// answers a google.longrunning.Operation holding it, done.
	OperationMetadata string `json:",omitempty"`
}

// method is a Method with its fields resolved.
type method struct {
	*Method
	req, resp         protoreflect.MessageDescriptor
	reqType, respType protoreflect.MessageType

	key, name, keys, names, etag, force, parent, resourceID, resource, mask protoreflect.FieldDescriptor
	pageSize, pageToken, filter, orderBy, showDeleted, skip                 protoreflect.FieldDescriptor
	requests, requestResource, requestParent, requestID, requestMask        protoreflect.FieldDescriptor
	requestKey, requestName, requestEtag, requestForce                      protoreflect.FieldDescriptor
	requestAllowMissing, requestReadMask                                    protoreflect.FieldDescriptor
	items, nextPageToken, totalSize                                         protoreflect.FieldDescriptor
	readMask, validateOnly, allowMissing, idempotencyKey                    protoreflect.FieldDescriptor
	// info is what checking the request takes (CheckRequest).
	info *requestInfo
	// lro is how a long-running method answers, or nil.
	lro *lroTypes
	// uuidKey is set when idempotencyKey is a UUID4 (AIP-202), whose
	// capitals name the same request.
	uuidKey bool
	// itemsField is the Go struct field of items in the generated response
	// (-1 when the response is not a generated struct), which respond
	// fills with one slice rather than one append per item.
	itemsField int
}

// resolve finds the fields of m in its messages and checks their kinds
// against what the operation does with them.
func (m *Method) resolve(res protoreflect.MessageDescriptor) (method, error) {
	r := method{Method: m}
	if m.Request == "" || m.Response == "" {
		return r, fmt.Errorf("method %s: Request and Response are required", m.Name)
	}
	var err error
	if r.reqType, err = protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(m.Request)); err != nil {
		return r, fmt.Errorf("method %s: request %s: %w", m.Name, m.Request, err)
	}
	if r.respType, err = protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(m.Response)); err != nil {
		return r, fmt.Errorf("method %s: response %s: %w", m.Name, m.Response, err)
	}
	r.req, r.resp = r.reqType.Descriptor(), r.respType.Descriptor()
	var errs []error
	field := func(md protoreflect.MessageDescriptor, name, want string) protoreflect.FieldDescriptor {
		if name == "" {
			return nil
		}
		fd := md.Fields().ByName(protoreflect.Name(name))
		if fd == nil {
			errs = append(errs, fmt.Errorf("method %s: %s has no field %q", m.Name, md.FullName(), name))
			return nil
		}
		if !shapeIs(fd, want) {
			errs = append(errs, fmt.Errorf("method %s: field %s is %s, want %s", m.Name, fd.FullName(), fieldShape(fd), want))
			return nil
		}
		return fd
	}
	resName := string(res.FullName())
	in := r.req
	r.key = field(in, m.Key, "key")
	r.name = field(in, m.NameField, "string")
	r.keys = field(in, m.Keys, "repeated key")
	r.names = field(in, m.Names, "repeated string")
	r.etag = field(in, m.Etag, "string")
	r.force = field(in, m.Force, "bool")
	r.parent = field(in, m.Parent, "string")
	r.resourceID = field(in, m.ResourceID, "string")
	r.resource = field(in, m.Resource, resName)
	r.mask = field(in, m.Mask, "google.protobuf.FieldMask")
	r.pageSize = field(in, m.PageSize, "int32")
	r.pageToken = field(in, m.PageToken, "string")
	r.filter = field(in, m.Filter, "string")
	r.orderBy = field(in, m.OrderBy, "string")
	r.showDeleted = field(in, m.ShowDeleted, "bool")
	r.skip = field(in, m.Skip, "int32")
	r.readMask = field(in, m.ReadMask, "google.protobuf.FieldMask")
	r.validateOnly = field(in, m.ValidateOnly, "bool")
	r.allowMissing = field(in, m.AllowMissing, "bool")
	r.idempotencyKey = field(in, m.IdempotencyKey, "string")
	r.uuidKey = r.idempotencyKey != nil && formatOf(r.idempotencyKey) == annotations.FieldInfo_UUID4
	if r.idempotencyKey != nil && m.Op&(OpCreate|OpUpdate|OpDelete|OpUndelete|OpBatchCreate|OpBatchUpdate|OpBatchDelete) == 0 {
		errs = append(errs, fmt.Errorf("method %s: IdempotencyKey is for writes, not %v", m.Name, m.Op))
	}
	if m.Requests != "" {
		fd := in.Fields().ByName(protoreflect.Name(m.Requests))
		if fd == nil || !fd.IsList() || fd.Message() == nil {
			errs = append(errs, fmt.Errorf("method %s: %s has no repeated message field %q", m.Name, in.FullName(), m.Requests))
		} else {
			r.requests = fd
			each := fd.Message()
			r.requestResource = field(each, m.RequestResource, resName)
			r.requestParent = field(each, m.RequestParent, "string")
			r.requestID = field(each, m.RequestID, "string")
			r.requestMask = field(each, m.RequestMask, "google.protobuf.FieldMask")
			r.requestKey = field(each, m.RequestKey, "key")
			r.requestName = field(each, m.RequestName, "string")
			r.requestEtag = field(each, m.RequestEtag, "string")
			r.requestForce = field(each, m.RequestForce, "bool")
			r.requestAllowMissing = field(each, m.RequestAllowMissing, "bool")
			r.requestReadMask = field(each, m.RequestReadMask, "google.protobuf.FieldMask")
		}
	}
	// JSON masks are read against the resource (unmarshalJSON).
	registerMask(in, r.mask, res, nil, nil)
	registerMask(in, r.readMask, res, nil, nil)
	if r.requests != nil {
		registerMask(r.requests.Message(), r.requestMask, res, in, r.requests)
		registerMask(r.requests.Message(), r.requestReadMask, res, in, r.requests)
	}
	r.items = field(r.resp, m.Items, "repeated "+resName)
	r.itemsField = -1
	if r.items != nil {
		r.itemsField = goField(r.respType, r.items)
	}
	r.nextPageToken = field(r.resp, m.NextPageToken, "string")
	if m.TotalSize != "" {
		if fd := r.resp.Fields().ByName(protoreflect.Name(m.TotalSize)); fd == nil || fd.Cardinality() == protoreflect.Repeated || (fd.Kind() != protoreflect.Int32Kind && fd.Kind() != protoreflect.Int64Kind) || m.Op != OpList {
			errs = append(errs, fmt.Errorf("method %s: TotalSize %q is no int32 or int64 field of a List response", m.Name, m.TotalSize))
		} else {
			r.totalSize = fd
		}
	}
	if m.OperationMetadata != "" {
		if r.lro, err = resolveLRO(m.OperationMetadata); err != nil {
			errs = append(errs, fmt.Errorf("method %s: %w", m.Name, err))
		}
		if m.Op&(OpCreate|OpUpdate|OpDelete|OpUndelete|OpBatchCreate|OpBatchUpdate|OpBatchDelete) == 0 {
			errs = append(errs, fmt.Errorf("method %s: a %v is not long-running", m.Name, m.Op))
		}
	}
	need := func(ok bool, what string) {
		if !ok {
			errs = append(errs, fmt.Errorf("method %s (%v) needs %s", m.Name, m.Op, what))
		}
	}
	switch m.Op {
	case OpGet, OpDelete, OpUndelete:
		need((r.key == nil) != (r.name == nil), "one of Key and NameField")
		need(m.Op == OpDelete && m.ReturnsEmpty || r.resp == res, "the resource as the response")
	case OpCreate:
		need((r.resource != nil) != (m.RequestIsResource && r.req == res) && r.resp == res, "one of Resource and RequestIsResource, and the resource as the response")
	case OpUpdate:
		need(r.resource != nil && r.resp == res, "Resource and the resource as the response")
	case OpList:
		need(r.items != nil && (r.nextPageToken != nil || m.Unpaged && r.pageSize == nil && r.pageToken == nil), "Items and NextPageToken, or Unpaged without PageSize and PageToken")
		if m.ParentIn != "" {
			fd := res.Fields().ByName(protoreflect.Name(m.ParentIn))
			need(fd != nil && shapeIs(fd, "string") && r.parent != nil, "ParentIn, a string field of the resource, with Parent")
		}
	case OpBatchGet, OpBatchDelete:
		n := 0
		for _, fd := range []protoreflect.FieldDescriptor{r.keys, r.names, r.requests} {
			if fd != nil {
				n++
			}
		}
		need(n == 1 && (r.requests == nil || (r.requestKey == nil) != (r.requestName == nil)), "one of Keys, Names and Requests (with one of RequestKey and RequestName)")
		need(m.Op == OpBatchDelete || r.items != nil, "Items")
		need(m.Op == OpBatchDelete || r.requestEtag == nil && r.requestForce == nil && r.requestAllowMissing == nil, "no RequestEtag, RequestForce or RequestAllowMissing (BatchDelete's)")
		need(m.Op == OpBatchGet || r.requestReadMask == nil, "no RequestReadMask (BatchGet's)")
	case OpBatchCreate, OpBatchUpdate:
		need(r.requests != nil && r.requestResource != nil && r.items != nil, "Requests, RequestResource and Items")
	default:
		errs = append(errs, fmt.Errorf("method %s: Op is %v, want one operation", m.Name, m.Op))
	}
	return r, errors.Join(errs...)
}

// fieldShape spells what a field holds: "map", "repeated " and its
// element's type, or its type as typeOf spells it.
func fieldShape(fd protoreflect.FieldDescriptor) string {
	switch {
	case fd.IsMap():
		return "map"
	case fd.IsList() && fd.Message() != nil:
		return "repeated " + string(fd.Message().FullName())
	case fd.IsList():
		return "repeated " + fd.Kind().String()
	case fd.Message() != nil:
		return string(fd.Message().FullName())
	}
	return fd.Kind().String()
}

// shapeIs reports whether fd holds what want says: a shape as fieldShape
// spells it, "key" (a scalar a key column holds) or "repeated key".
func shapeIs(fd protoreflect.FieldDescriptor, want string) bool {
	switch want {
	case "key":
		return !fd.IsList() && !fd.IsMap() && keyKinds[fd.Kind()]
	case "repeated key":
		return fd.IsList() && keyKinds[fd.Kind()]
	}
	return fieldShape(fd) == want
}

// IsKeyKind reports whether a key of kind k can be served: strings,
// bytes and integers (not enums, bools or floats). protoc-gen-crud
// refuses standard methods on a resource whose key is of another kind.
func IsKeyKind(k protoreflect.Kind) bool { return keyKinds[k] }

// keyKinds are the kinds of key fields.
var keyKinds = map[protoreflect.Kind]bool{
	protoreflect.StringKind: true, protoreflect.BytesKind: true,
	protoreflect.Int32Kind: true, protoreflect.Sint32Kind: true, protoreflect.Sfixed32Kind: true,
	protoreflect.Int64Kind: true, protoreflect.Sint64Kind: true, protoreflect.Sfixed64Kind: true,
	protoreflect.Uint32Kind: true, protoreflect.Fixed32Kind: true, protoreflect.Uint64Kind: true, protoreflect.Fixed64Kind: true,
}

// Call serves standard method i of the service's resource (its place in
// Resource.Methods) for a generated method: every generated standard
// method is this one call. It never returns a nil message without an
// error (see One).
func Call[T proto.Message](ctx context.Context, s *Service, i int, req proto.Message) (T, error) {
	out, err := s.call(ctx, i, req)
	return One[T](out, err)
}

func (s *Service) call(ctx context.Context, i int, req proto.Message) (proto.Message, error) {
	if i < 0 || i >= len(s.methods) {
		return nil, Errorf(connect.CodeInternal, "internal error: %s has no method %d", s.res.Name, i)
	}
	m := &s.methods[i]
	if req == nil {
		req = m.reqType.Zero().Interface()
	}
	r := req.ProtoReflect()
	if r.Descriptor() != m.req {
		return nil, Errorf(connect.CodeInternal, "internal error: %s takes %s, not %s", m.Name, m.req.FullName(), r.Descriptor().FullName())
	}
	leaveBodyAbsent(ctx, req)
	if m.mask != nil {
		if qm := queryMask(ctx); qm != nil && !flag(ctx, recordingKey{}) {
			// The update_mask query parameter of a REST request, which
			// RESTGuard reads: the request holds it as if it were sent,
			// and a body that has one too is refused, as a query
			// parameter that names a field the body sets is.
			if r.Has(m.mask) {
				return nil, InvalidArgument("", FieldViolation{Field: "update_mask", Description: "given in the query and in the body: give it once"})
			}
			r.Set(m.mask, protoreflect.ValueOfMessage(qm.ProtoReflect()))
		}
	}
	if m.readMask != nil {
		if qm := queryMaskOf(ctx, m.readMask.Name()); qm != nil && !flag(ctx, recordingKey{}) {
			// A read mask of a REST request's query (RESTGuard).
			if r.Has(m.readMask) {
				return nil, InvalidArgument("", FieldViolation{Field: string(m.readMask.Name()), Description: "given in the query and in the body: give it once"})
			}
			r.Set(m.readMask, protoreflect.ValueOfMessage(qm.ProtoReflect()))
		}
	}
	// A field the method does not serve is refused first: its other
	// checks would have the client fix what it cannot use.
	if len(m.Unsupported) > 0 {
		if err := Unsupported(req, m.Unsupported...); err != nil {
			return nil, err
		}
	}
	if r.IsValid() {
		if err := s.checkRequest(req, m.info); err != nil {
			return nil, err
		}
	}
	if m.validateOnly != nil {
		ctx = ValidateOnly(ctx, r.Get(m.validateOnly).Bool())
	}
	if m.allowMissing != nil {
		ctx = AllowMissing(ctx, r.Get(m.allowMissing).Bool())
	}
	if m.idempotencyKey != nil {
		if id := r.Get(m.idempotencyKey).String(); id != "" && !flag(ctx, recordingKey{}) {
			if m.uuidKey {
				// AIP-202: a UUID may be normalized to lowercase; in
				// either case it names one request.
				id = strings.ToLower(id)
			}
			if !validateOnly(ctx) {
				return s.once(ctx, i, m, req, id)
			}
			if out, err := s.replay(ctx, m, req, id); err != nil || out != nil {
				return out, err
			}
		}
	}
	if m.lro == nil {
		out, err := s.serve(ctx, m, r, nil)
		return out, m.ownFieldNames(s.namedNotFound(m, r, err))
	}
	// A long-running method (AIP-151) is done when it answers; its
	// target is the resource's name before a read mask leaves it out.
	began := s.opt.now()
	var target string
	out, err := s.serve(ctx, m, r, func(res proto.Message) { target = s.target(m, r, res) })
	if err != nil {
		return nil, m.ownFieldNames(s.namedNotFound(m, r, err))
	}
	if target == "" {
		target = s.target(m, r, out)
	}
	return s.operation(m, out, began, target)
}

// clearBodyField clears the field at path (proto names) of a REST
// request that came without a body, which the binding's body names: the
// transcoder set it to an empty message (and the URL path's variables
// inside it), where a gRPC or Connect request without it leaves it
// absent. A path that r has no such message field at is left alone.
func clearBodyField(r protoreflect.Message, path []string) {
	for i, name := range path {
		fd := r.Descriptor().Fields().ByName(protoreflect.Name(name))
		if fd == nil || fd.Message() == nil || fd.IsList() || fd.IsMap() || !r.Has(fd) {
			return
		}
		if i == len(path)-1 {
			r.Clear(fd)
			return
		}
		r = r.Get(fd).Message()
	}
}

// ownFieldNames is err, or, when err is an InvalidArgument naming
// `parent` or `name` where the request names them otherwise (older APIs
// name them after the parent and the resource: Pub/Sub's
// ListSubscriptionsRequest.project, GetSubscriptionRequest.subscription),
// the same naming the request's fields.
func (m *method) ownFieldNames(err error) error {
	rename := map[string]string{}
	if m.parent != nil && m.parent.Name() != "parent" {
		rename["parent"] = string(m.parent.Name())
	}
	if m.name != nil && m.name.Name() != "name" {
		rename["name"] = string(m.name.Name())
	}
	var e *Error
	if len(rename) == 0 || !errors.As(err, &e) || e.Reason() != "FIELD_VIOLATION" || !strings.HasPrefix(e.ce.Message(), "invalid request: ") {
		return err
	}
	vs := violationsOf(e)
	changed := false
	for i, v := range vs {
		if to, ok := rename[v.Field]; ok {
			vs[i].Field, changed = to, true
		}
	}
	if !changed {
		return err
	}
	return InvalidArgument("", vs...)
}

// namedNotFound is err, or, when err is the NotFound of the one resource
// a Get, Update, Delete or Undelete request names, that NotFound naming
// it (its name, or its key as the request gives it).
func (s *Service) namedNotFound(m *method, r protoreflect.Message, err error) error {
	var e *Error
	if err == nil || m.Op&(OpGet|OpUpdate|OpDelete|OpUndelete) == 0 || !errors.As(err, &e) || e.Code() != connect.CodeNotFound || e.Reason() != "RESOURCE_NOT_FOUND" {
		return err
	}
	var name string
	switch {
	case m.Op == OpUpdate && m.resource != nil:
		if res := r.Get(m.resource).Message(); res.IsValid() {
			name = fmt.Sprint(res.Get(s.key.fd).Interface())
		}
	case m.key != nil:
		name = fmt.Sprint(r.Get(m.key).Interface())
	case m.name != nil:
		name = r.Get(m.name).String()
	}
	if name == "" {
		return err
	}
	return resourceNotFound(s.res.Name, name)
}

// serve carries out method m of the request r: what call answers, or
// the response of a long-running method's operation. seen, when set, is
// given the resource a method answers with before the response's mask
// applies.
func (s *Service) serve(ctx context.Context, m *method, r protoreflect.Message, seen func(proto.Message)) (proto.Message, error) {
	hide := s.hidden
	if m.readMask != nil {
		var err error
		if hide, err = s.ReadMask(fieldMask(r, m.readMask)); err != nil {
			return nil, err
		}
	}
	mask := answerMask{hide, seen}
	str := func(fd protoreflect.FieldDescriptor) string { return stringOf(r, fd) }
	key := func() (any, error) {
		if m.key != nil && m.KeySuffix != "" {
			return r.Get(m.key).String() + m.KeySuffix, nil
		}
		if m.key != nil && m.OwnerName {
			return s.ownedName(r.Get(m.key).String()), nil
		}
		if m.key != nil {
			return r.Get(m.key).Interface(), nil
		}
		if m.OwnerName {
			return s.KeyFromName(s.ownedName(str(m.name)))
		}
		return s.KeyFromName(str(m.name))
	}
	switch m.Op {
	case OpGet:
		k, err := key()
		if err != nil {
			return nil, err
		}
		return mask.Apply(s.Get(ctx, k))
	case OpCreate:
		if m.RequestIsResource {
			return mask.Apply(s.createNamed(ctx, r.Interface()))
		}
		res := message(r, m.resource)
		switch {
		case m.parent != nil:
			return mask.Apply(s.CreateIn(ctx, str(m.parent), str(m.resourceID), res))
		case m.resourceID != nil:
			return mask.Apply(s.CreateWithID(ctx, str(m.resourceID), res))
		}
		return mask.Apply(s.Create(ctx, res))
	case OpUpdate:
		// A request without an update mask replaces the whole resource
		// (AIP-134: only full replacement is supported).
		fm := &fieldmaskpb.FieldMask{Paths: []string{"*"}}
		if m.mask != nil {
			fm = fieldMask(r, m.mask)
		}
		name := str(m.name)
		if m.OwnerName {
			name = s.ownedName(name)
		}
		res, err := s.namedBy(m, message(r, m.resource), name)
		if err != nil {
			return nil, err
		}
		if res, err = s.etagBeside(m, res, str(m.etag)); err != nil {
			return nil, err
		}
		return mask.Apply(s.Update(ctx, res, fm))
	case OpDelete:
		k, err := key()
		if err != nil {
			return nil, err
		}
		var out proto.Message
		if m.force != nil {
			out, err = s.DeleteForce(ctx, k, str(m.etag), r.Get(m.force).Bool())
		} else {
			out, err = s.Delete(ctx, k, str(m.etag))
		}
		if err != nil {
			return nil, err
		}
		if m.ReturnsEmpty {
			return m.respType.New().Interface(), nil
		}
		if out == nil {
			out = s.keyOnly(k) // allow_missing, and nothing to delete
		}
		return mask.Apply(out, nil)
	case OpUndelete:
		k, err := key()
		if err != nil {
			return nil, err
		}
		return mask.Apply(s.Undelete(ctx, k, str(m.etag)))
	case OpList:
		lr := ListRequest{
			PageSize:    int32Of(r, m.pageSize),
			PageToken:   str(m.pageToken),
			Filter:      str(m.filter),
			OrderBy:     str(m.orderBy),
			ShowDeleted: m.showDeleted != nil && r.Get(m.showDeleted).Bool(),
			Skip:        int32Of(r, m.skip),
			Parent:      str(m.parent),
			ParentField: m.ParentIn,
		}
		if m.Unpaged {
			lr.PageSize = s.opt.maxPageSize
		}
		items, next, err := s.List(ctx, lr)
		if err == nil && m.Unpaged && next != "" {
			err = s.tooLarge(m, lr)
		}
		resp, err := m.respond(mask.ApplyAll(items, err))
		if err != nil {
			return nil, err
		}
		if m.nextPageToken != nil {
			resp.Set(m.nextPageToken, protoreflect.ValueOfString(next))
		}
		if m.totalSize != nil {
			// A first page that holds every resource counts them.
			total := int64(len(items))
			if lr.PageToken != "" || lr.Skip != 0 || next != "" {
				if total, err = s.count(ctx, lr); err != nil {
					return nil, err
				}
			}
			if m.totalSize.Kind() == protoreflect.Int32Kind {
				resp.Set(m.totalSize, protoreflect.ValueOfInt32(int32(min(total, math.MaxInt32))))
			} else {
				resp.Set(m.totalSize, protoreflect.ValueOfInt64(total))
			}
		}
		return resp.Interface(), nil
	case OpBatchGet, OpBatchDelete:
		keys, err := s.batchRequestKeys(m, r)
		if err != nil {
			return nil, err
		}
		if m.Op == OpBatchDelete {
			items := make([]BatchDeleteItem, len(keys))
			for j, k := range keys {
				items[j].Key = k
				if m.requests != nil {
					each := r.Get(m.requests).List().Get(j).Message()
					items[j].Etag = stringOf(each, m.requestEtag)
					items[j].Force = m.requestForce != nil && each.Get(m.requestForce).Bool()
					items[j].AllowMissing = m.requestAllowMissing != nil && each.Get(m.requestAllowMissing).Bool()
				}
			}
			deleted, err := s.BatchDeleteItems(ctx, str(m.parent), items, m.force != nil && r.Get(m.force).Bool())
			if err != nil {
				return nil, err
			}
			if m.items == nil {
				return m.respType.New().Interface(), nil
			}
			resp, err := m.respond(mask.ApplyAll(deleted, nil))
			if err != nil {
				return nil, err
			}
			return resp.Interface(), nil
		}
		var items []proto.Message
		if m.parent != nil {
			items, err = s.BatchGetIn(ctx, str(m.parent), keys)
		} else {
			items, err = s.BatchGet(ctx, keys)
		}
		if err == nil && m.requestReadMask != nil {
			items, err = s.requestReadMasks(m, r, items)
		}
		resp, err := m.respond(mask.ApplyAll(items, err))
		if err != nil {
			return nil, err
		}
		return resp.Interface(), nil
	case OpBatchCreate:
		list := r.Get(m.requests).List()
		msgs := make([]proto.Message, list.Len())
		var ids, parents []string
		if m.requestID != nil {
			ids = make([]string, list.Len())
		}
		if m.requestParent != nil {
			parents = make([]string, list.Len())
		}
		for j := range msgs {
			each := list.Get(j).Message()
			msgs[j] = message(each, m.requestResource)
			if ids != nil {
				ids[j] = each.Get(m.requestID).String()
			}
			if parents != nil {
				parents[j] = each.Get(m.requestParent).String()
			}
		}
		var items []proto.Message
		var err error
		switch {
		case m.parent != nil || m.requestParent != nil:
			items, err = s.BatchCreateIn(ctx, str(m.parent), parents, ids, msgs)
		case ids != nil:
			items, err = s.BatchCreateWithIDs(ctx, ids, msgs)
		default:
			items, err = s.BatchCreate(ctx, msgs)
		}
		resp, err := m.respond(mask.ApplyAll(items, err))
		if err != nil {
			return nil, err
		}
		return resp.Interface(), nil
	case OpBatchUpdate:
		list := r.Get(m.requests).List()
		updates := make([]BatchUpdateItem, list.Len())
		for j := range updates {
			each := list.Get(j).Message()
			updates[j].Resource = message(each, m.requestResource)
			if m.requestMask != nil {
				updates[j].Mask = fieldMask(each, m.requestMask)
			}
		}
		var all *fieldmaskpb.FieldMask
		if m.mask != nil {
			all = fieldMask(r, m.mask)
		}
		resp, err := m.respond(mask.ApplyAll(s.BatchUpdateIn(ctx, str(m.parent), all, updates)))
		if err != nil {
			return nil, err
		}
		return resp.Interface(), nil
	}
	return nil, Errorf(connect.CodeInternal, "internal error: %s: operation %v", m.Name, m.Op)
}

// batchRequestKeys are the keys a BatchGet or BatchDelete request r
// names: its keys, its names, or those of its requests (AIP-231,
// AIP-235), errors naming the element (`names[1]`, `requests[1].name`).
func (s *Service) batchRequestKeys(m *method, r protoreflect.Message) ([]any, error) {
	switch {
	case m.keys != nil:
		list := r.Get(m.keys).List()
		keys := make([]any, list.Len())
		for j := range keys {
			keys[j] = list.Get(j).Interface()
		}
		return keys, nil
	case m.requests != nil && m.requestKey != nil:
		list := r.Get(m.requests).List()
		keys := make([]any, list.Len())
		for j := range keys {
			keys[j] = list.Get(j).Message().Get(m.requestKey).Interface()
		}
		return keys, nil
	}
	var names []string
	field := batchField{list: string(m.names.Name())}
	if m.requests != nil {
		list := r.Get(m.requests).List()
		names = make([]string, list.Len())
		for j := range names {
			names[j] = list.Get(j).Message().Get(m.requestName).String()
		}
		field = batchField{string(m.requests.Name()), string(m.requestName.Name())}
	} else {
		list := r.Get(m.names).List()
		names = make([]string, list.Len())
		for j := range names {
			names[j] = list.Get(j).String()
		}
	}
	if err := s.batchSize(field.list, len(names)); err != nil {
		return nil, err // before any is parsed
	}
	return s.keysFromNames(field, names)
}

// requestReadMasks applies to each of items the read mask of the request
// of BatchGet request r that asked for it (AIP-231's GetBookRequest
// `read_mask`), as Get applies its own: a bad mask is InvalidArgument
// naming it (`requests[1].read_mask`).
func (s *Service) requestReadMasks(m *method, r protoreflect.Message, items []proto.Message) ([]proto.Message, error) {
	list := r.Get(m.requests).List()
	var vs []FieldViolation
	for j := range items {
		each := list.Get(j).Message()
		if !each.Has(m.requestReadMask) {
			continue
		}
		rm, err := s.ReadMask(fieldMask(each, m.requestReadMask))
		if err == nil {
			items[j], err = rm.Apply(items[j], nil)
		}
		var e *Error
		if err != nil && errors.As(err, &e) && e.Code() == connect.CodeInvalidArgument {
			for _, v := range violationsOf(e) {
				vs = append(vs, FieldViolation{Field: fmt.Sprintf("%s[%d].%s", m.requests.Name(), j, v.Field), Description: v.Description})
			}
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	if len(vs) > 0 {
		return nil, InvalidArgument("", vs...)
	}
	return items, nil
}

// str2 is string field fd of r, or "" when fd is nil.
func stringOf(r protoreflect.Message, fd protoreflect.FieldDescriptor) string {
	if fd == nil {
		return ""
	}
	return r.Get(fd).String()
}

// answerMask is the mask of a method's response, which first shows the
// resource to seen, when set.
type answerMask struct {
	ReadMask
	seen func(proto.Message)
}

// Apply is ReadMask.Apply, after seen.
func (a answerMask) Apply(m proto.Message, err error) (proto.Message, error) {
	if a.seen != nil && err == nil && m != nil {
		a.seen(m)
	}
	return a.ReadMask.Apply(m, err)
}

// respond is a new response holding items in its Items field. Like All,
// it refuses an item that is not a valid message of the resource's type.
func (m *method) respond(items []proto.Message, err error) (protoreflect.Message, error) {
	if err != nil {
		return nil, err
	}
	resp := m.respType.New()
	want := m.items.Message()
	for _, it := range items {
		if it == nil || !it.ProtoReflect().IsValid() || it.ProtoReflect().Descriptor() != want {
			return nil, Errorf(connect.CodeInternal, "internal error: the service returned %T where %s was expected", it, want.FullName())
		}
	}
	if m.itemsField >= 0 && len(items) > 0 {
		f := reflect.ValueOf(resp.Interface()).Elem().Field(m.itemsField)
		list := reflect.MakeSlice(f.Type(), len(items), len(items))
		elem := f.Type().Elem()
		for i, it := range items {
			v := reflect.ValueOf(it)
			if v.Type() != elem {
				return nil, Errorf(connect.CodeInternal, "internal error: the service returned %T where %v was expected", it, elem)
			}
			list.Index(i).Set(v)
		}
		f.Set(list)
		return resp, nil
	}
	list := resp.Mutable(m.items).List()
	for _, it := range items {
		list.Append(protoreflect.ValueOfMessage(it.ProtoReflect()))
	}
	return resp, nil
}

// goField is the index of the field of the generated Go struct of mt that
// holds fd, by its `protobuf:"…,name=…"` tag, or -1.
func goField(mt protoreflect.MessageType, fd protoreflect.FieldDescriptor) int {
	t := reflect.TypeOf(mt.Zero().Interface())
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return -1
	}
	t = t.Elem()
	want := "name=" + string(fd.Name())
	for i := 0; i < t.NumField(); i++ {
		tag, ok := t.Field(i).Tag.Lookup("protobuf")
		if !ok || t.Field(i).Type.Kind() != reflect.Slice {
			continue
		}
		for _, part := range strings.Split(tag, ",") {
			if part == want {
				return i
			}
		}
	}
	return -1
}

// namedBy is res, the resource of an Update whose request names it beside
// it (Cloud Logging's UpdateBucketRequest.name, with the bucket in the
// body), with that name: the name res holds, if any, must be the same.
func (s *Service) namedBy(m *method, res proto.Message, name string) (proto.Message, error) {
	if m.name == nil || name == "" || s.key.NamePattern == "" || !res.ProtoReflect().IsValid() {
		return res, nil // without the resource, Update says it is required
	}
	return heldAs(m, res, s.key, name, m.NameField+" names")
}

// etagBeside is res with the etag an Update request sends beside it
// (m.Etag): the resource's own etag, which Update checks (AIP-154). A
// resource that holds another etag is refused naming both.
func (s *Service) etagBeside(m *method, res proto.Message, sent string) (proto.Message, error) {
	if m.etag == nil || sent == "" || s.etag == nil || !res.ProtoReflect().IsValid() {
		return res, nil // without the resource, Update says it is required
	}
	return heldAs(m, res, s.etag, sent, m.Etag+" is")
}

// heldAs is res with its string column c set to sent, a value the request
// gives beside the resource; a resource that holds another value in c is
// refused, naming c's field and what the request says (says).
func heldAs(m *method, res proto.Message, c *column, sent, says string) (proto.Message, error) {
	if held := res.ProtoReflect().Get(c.fd).String(); held != "" && held != sent {
		return nil, InvalidArgument("", FieldViolation{Field: joinPath(m.Resource, c.Path),
			Description: fmt.Sprintf("is %q, but %s %q", held, says, sent)})
	}
	out := proto.Clone(res)
	out.ProtoReflect().Set(c.fd, protoreflect.ValueOfString(sent))
	return out, nil
}

// message is the message field fd of r as its generated type: a nil
// pointer of that type when it is not set, as the generated getter gives.
func message(r protoreflect.Message, fd protoreflect.FieldDescriptor) proto.Message {
	return r.Get(fd).Message().Interface()
}

// fieldMask is FieldMask field fd of r, nil when it is not set.
func fieldMask(r protoreflect.Message, fd protoreflect.FieldDescriptor) *fieldmaskpb.FieldMask {
	if !r.Has(fd) {
		return nil
	}
	fm, _ := r.Get(fd).Message().Interface().(*fieldmaskpb.FieldMask)
	return fm
}

func int32Of(r protoreflect.Message, fd protoreflect.FieldDescriptor) int32 {
	if fd == nil {
		return 0
	}
	return int32(r.Get(fd).Int())
}
