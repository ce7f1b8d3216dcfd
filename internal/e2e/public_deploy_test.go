package e2e_test

import (
	"context"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	deployv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/deploy"
)

// TestPublicDeploy serves Google Cloud Deploy v1 (google/cloud/deploy/v1,
// unchanged) on every database, over gRPC and over REST through its own
// google.api.http annotations: a service of many resources, every write
// long-running (AIP-151) with request_id, validate_only, allow_missing
// and etags; releases are named under delivery pipelines, rollouts under
// releases, job runs under rollouts, automations under pipelines; a
// pipeline with children is deleted with force only (AIP-135); the
// config is a singleton; the custom verbs (AbandonRelease, ApproveRollout,
// …) are the user's.
func TestPublicDeploy(t *testing.T) {
	servePublic(t, "deploy", func(gs *grpc.Server, db *gorm.DB) {
		deployv1.RegisterCloudDeployServer(gs, deployv1.NewCloudDeployCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		deployScenario(t, deployv1.NewCloudDeployClient(cc), tag)
	})
}

func deployScenario(t *testing.T, c deployv1.CloudDeployClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/us-central1"
	done := func(op *longrunningpb.Operation, err error, resp proto.Message, verb, target string) {
		t.Helper()
		cloudOperationDone(t, op, err, resp, &deployv1.OperationMetadata{}, verb, target)
	}
	listPipelines := func(req *deployv1.ListDeliveryPipelinesRequest) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*deployv1.DeliveryPipeline, string, error) {
			r := proto.Clone(req).(*deployv1.ListDeliveryPipelinesRequest)
			r.Parent, r.PageSize, r.PageToken = loc, 1, token
			resp, err := c.ListDeliveryPipelines(ctx, r)
			return resp.GetDeliveryPipelines(), resp.GetNextPageToken(), err
		})
	}
	serial := func(targets ...string) *deployv1.DeliveryPipeline_SerialPipeline {
		sp := &deployv1.SerialPipeline{}
		for _, id := range targets {
			sp.Stages = append(sp.Stages, &deployv1.Stage{TargetId: id, Profiles: []string{id}})
		}
		return &deployv1.DeliveryPipeline_SerialPipeline{SerialPipeline: sp}
	}

	// Targets.
	newTarget := func(id string) *deployv1.Target {
		t.Helper()
		op, err := c.CreateTarget(ctx, &deployv1.CreateTargetRequest{Parent: loc, TargetId: id, RequestId: "", Target: &deployv1.Target{
			Description: id, RequireApproval: id == "prod", Labels: map[string]string{"tier": id},
			DeploymentTarget: &deployv1.Target_Gke{Gke: &deployv1.GkeCluster{Cluster: "projects/p/locations/us-central1/clusters/" + id}}}})
		tg := &deployv1.Target{}
		done(op, err, tg, "create", loc+"/targets/"+id)
		assert.NotEmpty(t, tg.Uid)
		assert.NotEmpty(t, tg.Etag)
		return tg
	}
	staging, prod := newTarget("staging"), newTarget("prod")
	got, err := c.GetTarget(ctx, &deployv1.GetTargetRequest{Name: prod.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(prod, got), "Get: %v, created: %v", got, prod)
	targets, err := c.ListTargets(ctx, &deployv1.ListTargetsRequest{Parent: loc, Filter: "require_approval = true"})
	require.NoError(t, err)
	assert.Equal(t, []string{prod.Name}, namesOf(targets.Targets))

	// Delivery pipelines: validate_only, a client id, pages, filters and
	// orders.
	op, err := c.CreateDeliveryPipeline(ctx, &deployv1.CreateDeliveryPipelineRequest{Parent: loc, DeliveryPipelineId: "web",
		DeliveryPipeline: &deployv1.DeliveryPipeline{Pipeline: serial("staging", "prod")}, ValidateOnly: true})
	done(op, err, &deployv1.DeliveryPipeline{}, "create", loc+"/deliveryPipelines/web")
	assert.Empty(t, listPipelines(&deployv1.ListDeliveryPipelinesRequest{}), "validate_only creates nothing")
	newPipeline := func(id, description string) *deployv1.DeliveryPipeline {
		t.Helper()
		op, err := c.CreateDeliveryPipeline(ctx, &deployv1.CreateDeliveryPipelineRequest{Parent: loc, DeliveryPipelineId: id,
			DeliveryPipeline: &deployv1.DeliveryPipeline{Description: description, Annotations: map[string]string{"owner": "team"},
				Pipeline: serial("staging", "prod")}})
		p := &deployv1.DeliveryPipeline{}
		done(op, err, p, "create", loc+"/deliveryPipelines/"+id)
		return p
	}
	web, api := newPipeline("web", "the web front"), newPipeline("api", "the API")
	gotP, err := c.GetDeliveryPipeline(ctx, &deployv1.GetDeliveryPipelineRequest{Name: web.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(web, gotP), "Get: %v, created: %v", gotP, web)
	assert.Equal(t, []string{"staging", "prod"}, []string{gotP.GetSerialPipeline().Stages[0].TargetId, gotP.GetSerialPipeline().Stages[1].TargetId})
	assert.Equal(t, []string{api.Name, web.Name}, listPipelines(&deployv1.ListDeliveryPipelinesRequest{OrderBy: "name"}))
	assert.Equal(t, []string{api.Name, web.Name}, listPipelines(&deployv1.ListDeliveryPipelinesRequest{OrderBy: "create_time desc, name"}))
	assert.Equal(t, []string{web.Name, api.Name}, listPipelines(&deployv1.ListDeliveryPipelinesRequest{OrderBy: "description desc"}))
	assert.Equal(t, []string{api.Name}, listPipelines(&deployv1.ListDeliveryPipelinesRequest{Filter: `description = "the API"`}))
	_, err = c.CreateDeliveryPipeline(ctx, &deployv1.CreateDeliveryPipelineRequest{Parent: loc, DeliveryPipelineId: "web", DeliveryPipeline: &deployv1.DeliveryPipeline{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)

	// Update: a mask, an etag, allow_missing.
	op, err = c.UpdateDeliveryPipeline(ctx, &deployv1.UpdateDeliveryPipelineRequest{DeliveryPipeline: &deployv1.DeliveryPipeline{Name: web.Name,
		Suspended: true, Description: "not in the mask", Etag: web.Etag}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"suspended"}}})
	upWeb := &deployv1.DeliveryPipeline{}
	done(op, err, upWeb, "update", web.Name)
	assert.True(t, upWeb.Suspended)
	assert.Equal(t, "the web front", upWeb.Description)
	assert.NotEqual(t, web.Etag, upWeb.Etag)
	_, err = c.UpdateDeliveryPipeline(ctx, &deployv1.UpdateDeliveryPipelineRequest{DeliveryPipeline: &deployv1.DeliveryPipeline{Name: web.Name,
		Suspended: false, Etag: web.Etag}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"suspended"}}})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
	op, err = c.UpdateDeliveryPipeline(ctx, &deployv1.UpdateDeliveryPipelineRequest{DeliveryPipeline: &deployv1.DeliveryPipeline{Name: web.Name,
		Suspended: false}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"suspended"}}})
	done(op, err, upWeb, "update", web.Name)
	assert.False(t, upWeb.Suspended)
	op, err = c.UpdateDeliveryPipeline(ctx, &deployv1.UpdateDeliveryPipelineRequest{DeliveryPipeline: &deployv1.DeliveryPipeline{Name: loc + "/deliveryPipelines/batch",
		Description: "upserted", Pipeline: serial("staging")}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}, AllowMissing: true})
	batch := &deployv1.DeliveryPipeline{}
	done(op, err, batch, "update", loc+"/deliveryPipelines/batch")
	assert.Len(t, batch.GetSerialPipeline().GetStages(), 1, "AIP-134: the mask is ignored when creating")

	// Releases under a pipeline, rollouts under a release; job runs are
	// the service's, none stored here.
	op, err = c.CreateRelease(ctx, &deployv1.CreateReleaseRequest{Parent: web.Name, ReleaseId: "r1", Release: &deployv1.Release{
		Description: "first", SkaffoldConfigUri: "gs://bucket/source.tgz", Labels: map[string]string{"v": "1"}}})
	rel := &deployv1.Release{}
	done(op, err, rel, "create", web.Name+"/releases/r1")
	// request_id (AIP-155): a repeat answers the first operation and
	// writes nothing; the id with another request is refused.
	// (Each transport's own: they share the database.)
	requestID := map[string]string{"g": "5f1d9a3c-7d0e-4b6a-9c1e-2f3a4b5c6d7e", "r": "0c2e4a6b-8d1f-4e3a-a5b7-c9d1e3f5a7b9"}[tag]
	relReq := &deployv1.CreateReleaseRequest{Parent: web.Name, ReleaseId: "r2", RequestId: requestID, Release: &deployv1.Release{Description: "second"}}
	first, err := c.CreateRelease(ctx, relReq)
	rel2 := &deployv1.Release{}
	done(first, err, rel2, "create", web.Name+"/releases/r2")
	again, err := c.CreateRelease(ctx, relReq)
	require.NoError(t, err, "a repeated request_id")
	assert.Equal(t, first.Name, again.Name, "the recorded operation")
	relReq.Release.Description = "other"
	_, err = c.CreateRelease(ctx, relReq)
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "request_id with another request: %v", err)
	gotRel, err := c.GetRelease(ctx, &deployv1.GetReleaseRequest{Name: rel.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(rel, gotRel), "Get: %v, created: %v", gotRel, rel)
	_, err = c.CreateRelease(ctx, &deployv1.CreateReleaseRequest{Parent: loc + "/deliveryPipelines/nothing", ReleaseId: "r1", Release: &deployv1.Release{}})
	assert.Equal(t, codes.NotFound, status.Code(err), "a release of a missing pipeline: %v", err)
	rels, err := c.ListReleases(ctx, &deployv1.ListReleasesRequest{Parent: web.Name})
	require.NoError(t, err)
	assert.Equal(t, []string{rel.Name, rel2.Name}, namesOf(rels.Releases))
	rels, err = c.ListReleases(ctx, &deployv1.ListReleasesRequest{Parent: web.Name, Filter: `description = "second"`, OrderBy: "create_time desc"})
	require.NoError(t, err)
	assert.Equal(t, []string{rel2.Name}, namesOf(rels.Releases))
	rels, err = c.ListReleases(ctx, &deployv1.ListReleasesRequest{Parent: api.Name})
	require.NoError(t, err)
	assert.Empty(t, rels.Releases)
	op, err = c.CreateRollout(ctx, &deployv1.CreateRolloutRequest{Parent: rel.Name, RolloutId: "to-staging", Rollout: &deployv1.Rollout{TargetId: "staging"}})
	ro := &deployv1.Rollout{}
	done(op, err, ro, "create", rel.Name+"/rollouts/to-staging")
	assert.Equal(t, "staging", ro.TargetId)
	_, err = c.CreateRollout(ctx, &deployv1.CreateRolloutRequest{Parent: rel.Name, RolloutId: "nowhere", Rollout: &deployv1.Rollout{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "target_id is REQUIRED: %v", err)
	_, err = c.CreateRollout(ctx, &deployv1.CreateRolloutRequest{Parent: rel.Name, RolloutId: "phase", Rollout: &deployv1.Rollout{TargetId: "prod"}, StartingPhaseId: "stable"})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "starting_phase_id is the user's to serve: %v", err)
	ros, err := c.ListRollouts(ctx, &deployv1.ListRolloutsRequest{Parent: web.Name + "/releases/-"})
	require.NoError(t, err)
	assert.Equal(t, []string{ro.Name}, namesOf(ros.Rollouts), "AIP-159: rollouts of any release")
	runs, err := c.ListJobRuns(ctx, &deployv1.ListJobRunsRequest{Parent: ro.Name})
	require.NoError(t, err)
	assert.Empty(t, runs.JobRuns)
	_, err = c.GetJobRun(ctx, &deployv1.GetJobRunRequest{Name: ro.Name + "/jobRuns/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Automations under a pipeline: service_account, selector and rules
	// are REQUIRED.
	automation := &deployv1.Automation{ServiceAccount: "deployer@p.iam.gserviceaccount.com",
		Selector: &deployv1.AutomationResourceSelector{Targets: []*deployv1.TargetAttribute{{Id: "*"}}},
		Rules: []*deployv1.AutomationRule{{Rule: &deployv1.AutomationRule_PromoteReleaseRule{PromoteReleaseRule: &deployv1.PromoteReleaseRule{
			Id: "promote", DestinationTargetId: "@next"}}}}}
	op, err = c.CreateAutomation(ctx, &deployv1.CreateAutomationRequest{Parent: web.Name, AutomationId: "promote", Automation: automation})
	auto := &deployv1.Automation{}
	done(op, err, auto, "create", web.Name+"/automations/promote")
	assert.Equal(t, "@next", auto.Rules[0].GetPromoteReleaseRule().GetDestinationTargetId())
	_, err = c.CreateAutomation(ctx, &deployv1.CreateAutomationRequest{Parent: web.Name, AutomationId: "bare", Automation: &deployv1.Automation{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "service_account is REQUIRED: %v", err)
	autos, err := c.ListAutomations(ctx, &deployv1.ListAutomationsRequest{Parent: web.Name})
	require.NoError(t, err)
	assert.Equal(t, []string{auto.Name}, namesOf(autos.Automations))
	runsA, err := c.ListAutomationRuns(ctx, &deployv1.ListAutomationRunsRequest{Parent: web.Name})
	require.NoError(t, err)
	assert.Empty(t, runsA.AutomationRuns)

	op, err = c.UpdateAutomation(ctx, &deployv1.UpdateAutomationRequest{Automation: &deployv1.Automation{Name: auto.Name, Suspended: true, Etag: auto.Etag},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"suspended"}}})
	upAuto := &deployv1.Automation{}
	done(op, err, upAuto, "update", auto.Name)
	assert.True(t, upAuto.Suspended)
	assert.Equal(t, auto.ServiceAccount, upAuto.ServiceAccount)

	// Custom target types, and deploy policies whose rules hold REQUIRED
	// fields of their own.
	op, err = c.CreateCustomTargetType(ctx, &deployv1.CreateCustomTargetTypeRequest{Parent: loc, CustomTargetTypeId: "helm", CustomTargetType: &deployv1.CustomTargetType{
		Definition: &deployv1.CustomTargetType_CustomActions{CustomActions: &deployv1.CustomTargetSkaffoldActions{DeployAction: "helm-deploy"}}}})
	ctt := &deployv1.CustomTargetType{}
	done(op, err, ctt, "create", loc+"/customTargetTypes/helm")
	_, err = c.CreateCustomTargetType(ctx, &deployv1.CreateCustomTargetTypeRequest{Parent: loc, CustomTargetTypeId: "bare", CustomTargetType: &deployv1.CustomTargetType{
		Definition: &deployv1.CustomTargetType_CustomActions{CustomActions: &deployv1.CustomTargetSkaffoldActions{}}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "custom_actions.deploy_action is REQUIRED: %v", err)
	op, err = c.UpdateCustomTargetType(ctx, &deployv1.UpdateCustomTargetTypeRequest{CustomTargetType: &deployv1.CustomTargetType{Name: ctt.Name, Description: "Helm charts"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	upCtt := &deployv1.CustomTargetType{}
	done(op, err, upCtt, "update", ctt.Name)
	assert.Equal(t, "helm-deploy", upCtt.GetCustomActions().GetDeployAction())
	policy := func(timeZone string) *deployv1.DeployPolicy {
		return &deployv1.DeployPolicy{Selectors: []*deployv1.DeployPolicyResourceSelector{{Target: &deployv1.TargetAttribute{Id: "prod"}}},
			Rules: []*deployv1.PolicyRule{{Rule: &deployv1.PolicyRule_RolloutRestriction{RolloutRestriction: &deployv1.RolloutRestriction{
				Id: "freeze", TimeWindows: &deployv1.TimeWindows{TimeZone: timeZone}}}}}}
	}
	op, err = c.CreateDeployPolicy(ctx, &deployv1.CreateDeployPolicyRequest{Parent: loc, DeployPolicyId: "freeze", DeployPolicy: policy("Europe/Paris")})
	pol := &deployv1.DeployPolicy{}
	done(op, err, pol, "create", loc+"/deployPolicies/freeze")
	assert.NotEmpty(t, pol.Etag)
	_, err = c.CreateDeployPolicy(ctx, &deployv1.CreateDeployPolicyRequest{Parent: loc, DeployPolicyId: "nozone", DeployPolicy: policy("")})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "rules[0].rollout_restriction.time_windows.time_zone is REQUIRED: %v", err)
	pols, err := c.ListDeployPolicies(ctx, &deployv1.ListDeployPoliciesRequest{Parent: loc})
	require.NoError(t, err)
	assert.Equal(t, []string{pol.Name}, namesOf(pols.DeployPolicies))
	op, err = c.DeleteDeployPolicy(ctx, &deployv1.DeleteDeployPolicyRequest{Name: pol.Name, Etag: pol.Etag})
	done(op, err, &emptypb.Empty{}, "delete", pol.Name)
	op, err = c.DeleteCustomTargetType(ctx, &deployv1.DeleteCustomTargetTypeRequest{Name: ctt.Name})
	done(op, err, &emptypb.Empty{}, "delete", ctt.Name)

	// The config, a singleton of the location.
	cfg, err := c.GetConfig(ctx, &deployv1.GetConfigRequest{Name: "projects/p-" + tag + "/locations/us-central1/config"})
	require.NoError(t, err)
	assert.Equal(t, "projects/p-"+tag+"/locations/us-central1/config", cfg.Name)

	// The custom verbs are the user's: Unimplemented.
	_, err = c.AbandonRelease(ctx, &deployv1.AbandonReleaseRequest{Name: rel.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "AbandonRelease: %v", err)
	_, err = c.ApproveRollout(ctx, &deployv1.ApproveRolloutRequest{Name: ro.Name, Approved: true})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "ApproveRollout: %v", err)

	// Delete: a pipeline with releases and automations is refused unless
	// force, which deletes them; validate_only, etags, allow_missing.
	_, err = c.DeleteDeliveryPipeline(ctx, &deployv1.DeleteDeliveryPipelineRequest{Name: web.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a pipeline with releases: %v", err)
	op, err = c.DeleteDeliveryPipeline(ctx, &deployv1.DeleteDeliveryPipelineRequest{Name: web.Name, Force: true, ValidateOnly: true})
	done(op, err, &emptypb.Empty{}, "delete", web.Name)
	_, err = c.GetRollout(ctx, &deployv1.GetRolloutRequest{Name: ro.Name})
	require.NoError(t, err, "validate_only deletes nothing")
	_, err = c.DeleteDeliveryPipeline(ctx, &deployv1.DeleteDeliveryPipelineRequest{Name: web.Name, Force: true, Etag: web.Etag})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
	op, err = c.DeleteDeliveryPipeline(ctx, &deployv1.DeleteDeliveryPipelineRequest{Name: web.Name, Force: true, Etag: upWeb.Etag})
	done(op, err, &emptypb.Empty{}, "delete", web.Name)
	for _, name := range []string{rel.Name, rel2.Name, ro.Name, auto.Name} {
		var err error
		switch name {
		case rel.Name, rel2.Name:
			_, err = c.GetRelease(ctx, &deployv1.GetReleaseRequest{Name: name})
		case ro.Name:
			_, err = c.GetRollout(ctx, &deployv1.GetRolloutRequest{Name: name})
		default:
			_, err = c.GetAutomation(ctx, &deployv1.GetAutomationRequest{Name: name})
		}
		assert.Equal(t, codes.NotFound, status.Code(err), "force deleted %s: %v", name, err)
	}
	op, err = c.DeleteDeliveryPipeline(ctx, &deployv1.DeleteDeliveryPipelineRequest{Name: web.Name, AllowMissing: true})
	done(op, err, &emptypb.Empty{}, "delete", web.Name)
	for _, p := range []*deployv1.DeliveryPipeline{api, batch} {
		op, err = c.DeleteDeliveryPipeline(ctx, &deployv1.DeleteDeliveryPipelineRequest{Name: p.Name})
		done(op, err, &emptypb.Empty{}, "delete", p.Name)
	}
	for _, tg := range []*deployv1.Target{staging, prod} {
		op, err = c.DeleteTarget(ctx, &deployv1.DeleteTargetRequest{Name: tg.Name, Etag: tg.Etag})
		done(op, err, &emptypb.Empty{}, "delete", tg.Name)
	}
	assert.Empty(t, listPipelines(&deployv1.ListDeliveryPipelinesRequest{}))
}
