package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// The engine talks to us with secrets and unknowns kept (we accept secrets and support preview), and
// we answer the same way so secretness and unknownness survive the round trip.
var wire = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

type randomProvider struct {
	pulumirpc.UnimplementedResourceProviderServer
	version string
}

func newProvider(version string) *randomProvider {
	return &randomProvider{version: version}
}

func specFor(typ, urn string) (*resourceSpec, error) {
	if typ == "" && urn != "" {
		if u, err := resource.ParseURN(urn); err == nil {
			typ = string(u.Type())
		}
	}
	spec, ok := resourceSpecs[typ]
	if !ok {
		return nil, status.Errorf(codes.InvalidArgument,
			"unknown resource type %q: this stand-in random provider only implements %s and %s",
			typ, passwordToken, bytesToken)
	}
	return spec, nil
}

func unmarshal(label string, s *structpb.Struct) (resource.PropertyMap, error) {
	opts := wire
	opts.Label = label
	m, err := plugin.UnmarshalProperties(s, opts)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "decoding %s: %v", label, err)
	}
	return m, nil
}

func marshal(label string, m resource.PropertyMap) (*structpb.Struct, error) {
	opts := wire
	opts.Label = label
	s, err := plugin.MarshalProperties(m, opts)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "encoding %s: %v", label, err)
	}
	return s, nil
}

func (p *randomProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

func (p *randomProvider) Handshake(
	context.Context, *pulumirpc.ProviderHandshakeRequest,
) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true}, nil
}

func (p *randomProvider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	s, err := schemaJSON(p.version)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "building schema: %v", err)
	}
	return &pulumirpc.GetSchemaResponse{Schema: s}, nil
}

// The random provider has no configuration, so any provider inputs are accepted and never cause a diff.
func (p *randomProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *randomProvider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *randomProvider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *randomProvider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	spec, err := specFor(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	inputs, failures := checkInputs(spec, news)
	out, err := marshal("inputs", inputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: out, Failures: failures}, nil
}

// diffValue reduces an input to what upstream considers its value: secretness is not part of it, an
// empty string overrideSpecial is the same as none, and keepers are compared without null entries.
func diffValue(name string, v resource.PropertyValue) resource.PropertyValue {
	v = unsecret(v)
	switch {
	case v.IsNull():
		return v
	case name == "overrideSpecial" && v.IsString() && v.StringValue() == "":
		return resource.NewNullProperty()
	case v.IsObject():
		m := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			if e = unsecret(e); !e.IsNull() {
				m[k] = e
			}
		}
		if len(m) == 0 {
			return resource.NewNullProperty()
		}
		return resource.NewProperty(m)
	}
	return v
}

func ignored(name string, ignoreChanges []string) bool {
	for _, path := range ignoreChanges {
		if path == name || path == "*" || strings.HasPrefix(path, name+".") || strings.HasPrefix(path, name+"[") {
			return true
		}
	}
	return false
}

// Diff forces replacement on any input change, as upstream marks every input RequiresReplace: the
// generated value is a function of all inputs, so an in-place update could never be faithful.
func (p *randomProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	spec, err := specFor(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	// Old inputs are authoritative; states written by engines that did not send them hold the inputs
	// among the outputs under the same names.
	oldSource, label := req.GetOldInputs(), "old inputs"
	if len(oldSource.GetFields()) == 0 {
		oldSource, label = req.GetOlds(), "olds"
	}
	olds, err := unmarshal(label, oldSource)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}

	var changed []string
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for _, name := range spec.inputNames() {
		if ignored(name, req.GetIgnoreChanges()) {
			continue
		}
		key := resource.PropertyKey(name)
		o, n := diffValue(name, olds[key]), diffValue(name, news[key])
		if !n.ContainsUnknowns() && o.DeepEquals(n) {
			continue
		}
		kind := pulumirpc.PropertyDiff_UPDATE_REPLACE
		switch {
		case o.IsNull():
			kind = pulumirpc.PropertyDiff_ADD_REPLACE
		case n.IsNull():
			kind = pulumirpc.PropertyDiff_DELETE_REPLACE
		}
		changed = append(changed, name)
		detailed[name] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_SOME,
		Replaces:        changed,
		Diffs:           changed,
		DetailedDiff:    detailed,
		HasDetailedDiff: true,
	}, nil
}

func (p *randomProvider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	spec, err := specFor(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	props, err := unmarshal("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	// Re-check rather than trust: the inputs are normally Check's output, but defaults must be present
	// for the state to look like upstream's, and invalid values must never reach generation.
	inputs, failures := checkInputs(spec, props)
	if len(failures) > 0 {
		reasons := make([]string, len(failures))
		for i, f := range failures {
			reasons[i] = f.GetReason()
		}
		return nil, status.Errorf(codes.InvalidArgument, "invalid inputs for %s: %s",
			spec.token, strings.Join(reasons, "; "))
	}

	outputs := inputs.Copy()
	if req.GetPreview() || inputs.ContainsUnknowns() {
		if !req.GetPreview() {
			return nil, status.Errorf(codes.InvalidArgument,
				"cannot create %s: some inputs are still unknown outside of a preview", spec.token)
		}
		// The values are only generated for real, so a preview can say no more than "unknown".
		for _, name := range spec.generatedNames() {
			outputs[resource.PropertyKey(name)] = resource.MakeComputed(resource.NewProperty(""))
		}
	} else {
		generated, err := spec.generate(inputs)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "creating %s: %v", spec.token, err)
		}
		for k, v := range generated {
			outputs[k] = v
		}
	}

	out, err := marshal("outputs", outputs)
	if err != nil {
		return nil, err
	}
	id := staticID
	if req.GetPreview() {
		id = ""
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: out}, nil
}

// Read returns the stored state unchanged: the values are random and exist nowhere else, so refresh has
// nothing to compare against. With no state it is an import, rebuilt from the ID like upstream.
func (p *randomProvider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	spec, err := specFor(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	if len(req.GetProperties().GetFields()) > 0 {
		inputs := req.GetInputs()
		if len(inputs.GetFields()) == 0 {
			props, err := unmarshal("properties", req.GetProperties())
			if err != nil {
				return nil, err
			}
			if inputs, err = marshal("inputs", inputsOf(spec, props)); err != nil {
				return nil, err
			}
		}
		return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: inputs}, nil
	}

	state, err := spec.fromImportID(req.GetId())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%v", err)
	}
	props, err := marshal("properties", state)
	if err != nil {
		return nil, err
	}
	inputs, err := marshal("inputs", inputsOf(spec, state))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: staticID, Properties: props, Inputs: inputs}, nil
}

func inputsOf(spec *resourceSpec, props resource.PropertyMap) resource.PropertyMap {
	inputs := resource.PropertyMap{}
	for _, name := range spec.inputNames() {
		if v, ok := props[resource.PropertyKey(name)]; ok {
			inputs[resource.PropertyKey(name)] = v
		}
	}
	return inputs
}

func (p *randomProvider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return nil, status.Errorf(codes.Unimplemented,
		"%s cannot be updated in place: every input change replaces it (Diff always reports replacement), "+
			"so the engine should never call Update", req.GetType())
}

// Nothing exists outside the state, so deleting is forgetting, which the engine does.
func (p *randomProvider) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Nothing is ever long-running, so there is nothing to cancel; answering keeps engine shutdown quiet.
func (p *randomProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// schemaJSON describes just the two implemented resources, with the upstream names and types, so that
// schema consumers (`pulumi import` code generation, `pulumi package get-schema`) work.
func schemaJSON(version string) (string, error) {
	type property struct {
		Type                 string         `json:"type"`
		AdditionalProperties map[string]any `json:"additionalProperties,omitempty"`
		Description          string         `json:"description,omitempty"`
		Secret               bool           `json:"secret,omitempty"`
		DeprecationMessage   string         `json:"deprecationMessage,omitempty"`
	}
	type resourceSchema struct {
		Description     string              `json:"description"`
		Properties      map[string]property `json:"properties"`
		Required        []string            `json:"required"`
		InputProperties map[string]property `json:"inputProperties"`
		RequiredInputs  []string            `json:"requiredInputs"`
		StateInputs     map[string]any      `json:"stateInputs"`
	}
	resources := map[string]resourceSchema{}
	for token, spec := range resourceSpecs {
		r := resourceSchema{
			Description:     spec.description,
			Properties:      map[string]property{},
			InputProperties: map[string]property{},
			Required:        []string{},
			RequiredInputs:  []string{},
		}
		for _, p := range spec.props {
			sp := property{Description: p.description, Secret: p.secret, DeprecationMessage: p.deprecation}
			switch p.kind {
			case kindInteger:
				sp.Type = "integer"
			case kindBoolean:
				sp.Type = "boolean"
			case kindString:
				sp.Type = "string"
			case kindStringMap:
				sp.Type = "object"
				sp.AdditionalProperties = map[string]any{"type": "string"}
			}
			r.Properties[p.name] = sp
			if p.alwaysOut {
				r.Required = append(r.Required, p.name)
			}
			if p.input {
				r.InputProperties[p.name] = sp
			}
			if p.required {
				r.RequiredInputs = append(r.RequiredInputs, p.name)
			}
		}
		sort.Strings(r.Required)
		sort.Strings(r.RequiredInputs)
		r.StateInputs = map[string]any{
			"description": "Input properties used for looking up and filtering " + token[strings.LastIndex(token, ":")+1:] +
				" resources.",
			"type":       "object",
			"properties": r.Properties,
		}
		resources[token] = r
	}
	doc := map[string]any{
		"name":        "random",
		"displayName": "random",
		"version":     version,
		"description": "A stand-in for the Pulumi random provider implementing RandomPassword and RandomBytes.",
		"meta":        map[string]any{"moduleFormat": "(.*)(?:/[^/]*)"},
		"config":      map[string]any{},
		"provider":    map[string]any{"description": "The provider type for the random package."},
		"resources":   resources,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("encoding schema: %w", err)
	}
	return string(b), nil
}
