package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	passwordURN = "urn:pulumi:dev::proj::random:index/randomPassword:RandomPassword::pw"
	bytesURN    = "urn:pulumi:dev::proj::random:index/randomBytes:RandomBytes::key"
)

func toStruct(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := plugin.MarshalProperties(m, wire)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return s
}

func fromStruct(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := plugin.UnmarshalProperties(s, wire)
	if err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return m
}

func props(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func check(t *testing.T, urn string, news resource.PropertyMap) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	t.Helper()
	resp, err := newProvider(version).Check(context.Background(), &pulumirpc.CheckRequest{
		Urn: urn, News: toStruct(t, news),
	})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return fromStruct(t, resp.GetInputs()), resp.GetFailures()
}

func mustCheck(t *testing.T, urn string, news resource.PropertyMap) resource.PropertyMap {
	t.Helper()
	inputs, failures := check(t, urn, news)
	if len(failures) > 0 {
		t.Fatalf("Check failed unexpectedly: %v", failures)
	}
	return inputs
}

func create(t *testing.T, urn string, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap) {
	t.Helper()
	resp, err := newProvider(version).Create(context.Background(), &pulumirpc.CreateRequest{
		Urn: urn, Properties: toStruct(t, inputs), Preview: preview,
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return resp.GetId(), fromStruct(t, resp.GetProperties())
}

func secretString(t *testing.T, outs resource.PropertyMap, name string) string {
	t.Helper()
	v := outs[resource.PropertyKey(name)]
	if !v.IsSecret() {
		t.Fatalf("%s is not marked secret: %v", name, v)
	}
	inner := v.SecretValue().Element
	if !inner.IsString() {
		t.Fatalf("%s is not a string: %v", name, inner)
	}
	return inner.StringValue()
}

func countIn(s, set string) int {
	n := 0
	for _, r := range s {
		if strings.ContainsRune(set, r) {
			n++
		}
	}
	return n
}

func TestPasswordGeneration(t *testing.T) {
	const alnum = upperChars + lowerChars + numericChars
	cases := []struct {
		name    string
		args    map[string]any
		allowed string
		// minimum number of characters expected from each set
		atLeast map[string]int
	}{
		{"project usage: no specials", map[string]any{"length": 32, "special": false}, alnum, nil},
		{"defaults", map[string]any{"length": 48}, alnum + defaultSpecialChars, nil},
		{"override special", map[string]any{"length": 64, "overrideSpecial": "-_", "minSpecial": 10},
			alnum + "-_", map[string]int{"-_": 10}},
		{"min counts fill the whole length", map[string]any{
			"length": 20, "minUpper": 5, "minLower": 5, "minNumeric": 5, "minSpecial": 5,
		}, alnum + defaultSpecialChars, map[string]int{
			upperChars: 5, lowerChars: 5, numericChars: 5, defaultSpecialChars: 5,
		}},
		{"only numeric", map[string]any{"length": 16, "upper": false, "lower": false, "special": false},
			numericChars, map[string]int{numericChars: 16}},
		// Upstream draws the minimum from its class even when the class is otherwise excluded.
		{"minimum of a disabled class", map[string]any{"length": 12, "upper": false, "minUpper": 3},
			alnum + defaultSpecialChars, map[string]int{upperChars: 3}},
		{"deprecated number=false", map[string]any{"length": 30, "number": false, "special": false},
			upperChars + lowerChars, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inputs := mustCheck(t, passwordURN, props(tc.args))
			length := int(inputs["length"].NumberValue())
			// Many draws, so a wrong character set or a dropped minimum cannot pass by luck.
			for i := 0; i < 200; i++ {
				pw, err := makePassword(passwordParamsOf(inputs))
				if err != nil {
					t.Fatal(err)
				}
				if got := len([]rune(pw)); got != length {
					t.Fatalf("password %q has length %d, want %d", pw, got, length)
				}
				for _, r := range pw {
					if !strings.ContainsRune(tc.allowed, r) {
						t.Fatalf("password %q contains %q, outside %q", pw, r, tc.allowed)
					}
				}
				for set, min := range tc.atLeast {
					if got := countIn(pw, set); got < min {
						t.Fatalf("password %q has %d characters from %q, want at least %d", pw, got, set, min)
					}
				}
			}
			// And once through the RPC, which is what the engine sees.
			id, outs := create(t, passwordURN, inputs, false)
			if id != staticID {
				t.Errorf("id = %q, want %q", id, staticID)
			}
			if pw := secretString(t, outs, "result"); len([]rune(pw)) != length {
				t.Errorf("result %q has length %d, want %d", pw, len([]rune(pw)), length)
			}
		})
	}
}

// special defaults to true, so the (overridden) special set is actually drawn from without any minimum.
func TestPasswordSpecialsAppearByDefault(t *testing.T) {
	const allowed = upperChars + lowerChars + numericChars + "~"
	inputs := mustCheck(t, passwordURN, props(map[string]any{"length": 64, "overrideSpecial": "~"}))
	seen := false
	for i := 0; i < 20; i++ {
		pw, err := makePassword(passwordParamsOf(inputs))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range pw {
			if !strings.ContainsRune(allowed, r) {
				t.Fatalf("password %q contains %q although overrideSpecial replaces the special set", pw, r)
			}
		}
		seen = seen || strings.Contains(pw, "~")
	}
	if !seen {
		t.Fatal("the special character never appeared in 20 passwords of 64 characters")
	}
}

func TestPasswordCreateOutputs(t *testing.T) {
	keepers := resource.NewPropertyMapFromMap(map[string]any{"rotation": "2024-01"})
	inputs := mustCheck(t, passwordURN, resource.PropertyMap{
		"length":  resource.NewProperty(32.0),
		"special": resource.NewProperty(false),
		"keepers": resource.NewProperty(keepers),
	})
	for name, want := range map[string]any{
		"upper": true, "lower": true, "numeric": true, "number": true, "special": false,
		"minUpper": 0.0, "minLower": 0.0, "minNumeric": 0.0, "minSpecial": 0.0, "length": 32.0,
	} {
		if got := inputs[resource.PropertyKey(name)]; !got.DeepEquals(resource.NewPropertyValue(want)) {
			t.Errorf("checked input %s = %v, want %v", name, got, want)
		}
	}

	id, outs := create(t, passwordURN, inputs, false)
	if id != "none" {
		t.Errorf("id = %q, want none", id)
	}
	pw := secretString(t, outs, "result")
	hash := secretString(t, outs, "bcryptHash")
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)); err != nil {
		t.Errorf("bcryptHash does not match result: %v", err)
	}
	for k, v := range inputs {
		if !outs[k].DeepEquals(v) {
			t.Errorf("output %s = %v, want the input %v", k, outs[k], v)
		}
	}
}

func TestPasswordLongerThanBcryptLimit(t *testing.T) {
	_, outs := create(t, passwordURN, mustCheck(t, passwordURN, props(map[string]any{"length": 100})), false)
	pw := secretString(t, outs, "result")
	hash := secretString(t, outs, "bcryptHash")
	if len(pw) != 100 {
		t.Fatalf("result has length %d, want 100", len(pw))
	}
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw[:bcryptMaxInput])); err != nil {
		t.Errorf("bcryptHash does not match the first 72 bytes of result: %v", err)
	}
}

func TestSecretInputsStaySecret(t *testing.T) {
	inputs := mustCheck(t, passwordURN, resource.PropertyMap{
		"length": resource.MakeSecret(resource.NewProperty(20.0)),
		"keepers": resource.NewProperty(resource.PropertyMap{
			"token": resource.MakeSecret(resource.NewProperty("s3cr3t")),
		}),
	})
	if !inputs["length"].IsSecret() {
		t.Errorf("secret length lost its secretness in Check: %v", inputs["length"])
	}
	_, outs := create(t, passwordURN, inputs, false)
	if !outs["length"].IsSecret() || !outs["keepers"].ContainsSecrets() {
		t.Errorf("secret inputs lost their secretness in Create: length=%v keepers=%v", outs["length"], outs["keepers"])
	}
	if pw := secretString(t, outs, "result"); len(pw) != 20 {
		t.Errorf("secret length not honoured: %q", pw)
	}
}

func TestPreviewReturnsUnknowns(t *testing.T) {
	for _, tc := range []struct {
		urn      string
		inputs   resource.PropertyMap
		computed []string
	}{
		{passwordURN, props(map[string]any{"length": 16}), []string{"result", "bcryptHash"}},
		{bytesURN, props(map[string]any{"length": 16}), []string{"base64", "hex"}},
		// An input that is itself unknown during preview must pass Check and preview Create.
		{passwordURN, resource.PropertyMap{"length": resource.MakeComputed(resource.NewProperty(0.0))},
			[]string{"result", "bcryptHash"}},
	} {
		inputs := mustCheck(t, tc.urn, tc.inputs)
		_, outs := create(t, tc.urn, inputs, true)
		for _, name := range tc.computed {
			if v := outs[resource.PropertyKey(name)]; !v.IsComputed() {
				t.Errorf("%s: preview output %s = %v, want unknown", tc.urn, name, v)
			}
		}
		if !outs["length"].DeepEquals(inputs["length"]) {
			t.Errorf("%s: preview lost input length: %v", tc.urn, outs["length"])
		}
	}

	// Outside a preview, unknown inputs are an error rather than a silently wrong value.
	_, err := newProvider(version).Create(context.Background(), &pulumirpc.CreateRequest{
		Urn:        passwordURN,
		Properties: toStruct(t, resource.PropertyMap{"length": resource.MakeComputed(resource.NewProperty(0.0))}),
	})
	if err == nil {
		t.Error("Create with unknown inputs outside preview succeeded")
	}
}

func diff(t *testing.T, urn string, olds, news resource.PropertyMap, viaOldInputs bool) *pulumirpc.DiffResponse {
	t.Helper()
	req := &pulumirpc.DiffRequest{Id: "none", Urn: urn, News: toStruct(t, news)}
	if viaOldInputs {
		req.OldInputs = toStruct(t, olds)
		// Outputs carry generated values too; Diff must not treat those as input changes.
		outs := olds.Copy()
		outs["result"] = resource.MakeSecret(resource.NewProperty("previous"))
		req.Olds = toStruct(t, outs)
	} else {
		req.Olds = toStruct(t, olds)
	}
	resp, err := newProvider(version).Diff(context.Background(), req)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return resp
}

func TestDiff(t *testing.T) {
	base := func(extra map[string]any) resource.PropertyMap {
		m := map[string]any{"length": 32, "special": false, "keepers": map[string]any{"k": "1"}}
		for k, v := range extra {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return mustCheck(t, passwordURN, props(m))
	}
	cases := []struct {
		name     string
		olds     resource.PropertyMap
		news     resource.PropertyMap
		replaces []string
		kind     pulumirpc.PropertyDiff_Kind
	}{
		{"equal inputs", base(nil), base(nil), nil, 0},
		{"length change", base(nil), base(map[string]any{"length": 33}), []string{"length"},
			pulumirpc.PropertyDiff_UPDATE_REPLACE},
		{"keepers change", base(nil), base(map[string]any{"keepers": map[string]any{"k": "2"}}),
			[]string{"keepers"}, pulumirpc.PropertyDiff_UPDATE_REPLACE},
		{"keepers added", base(map[string]any{"keepers": nil}), base(nil), []string{"keepers"},
			pulumirpc.PropertyDiff_ADD_REPLACE},
		{"keepers removed", base(nil), base(map[string]any{"keepers": nil}), []string{"keepers"},
			pulumirpc.PropertyDiff_DELETE_REPLACE},
		{"empty keepers is no keepers", base(map[string]any{"keepers": nil}),
			base(map[string]any{"keepers": map[string]any{}}), nil, 0},
		{"special change", base(nil), base(map[string]any{"special": true}), []string{"special"},
			pulumirpc.PropertyDiff_UPDATE_REPLACE},
		{"explicit default is no change", base(nil), base(map[string]any{"upper": true}), nil, 0},
		{"empty overrideSpecial is none", base(nil), base(map[string]any{"overrideSpecial": ""}), nil, 0},
		{"secretness alone is no change", base(nil), func() resource.PropertyMap {
			m := base(nil)
			m["length"] = resource.MakeSecret(m["length"])
			return m
		}(), nil, 0},
		{"unknown new value replaces", base(nil), func() resource.PropertyMap {
			m := base(nil)
			m["keepers"] = resource.MakeComputed(resource.NewProperty(resource.PropertyMap{}))
			return m
		}(), []string{"keepers"}, pulumirpc.PropertyDiff_UPDATE_REPLACE},
	}
	for _, tc := range cases {
		for _, viaOldInputs := range []bool{true, false} {
			t.Run(tc.name+"/oldInputs="+strconv.FormatBool(viaOldInputs), func(t *testing.T) {
				resp := diff(t, passwordURN, tc.olds, tc.news, viaOldInputs)
				if tc.replaces == nil {
					if resp.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE || len(resp.GetReplaces()) > 0 {
						t.Fatalf("want no diff, got changes=%v replaces=%v", resp.GetChanges(), resp.GetReplaces())
					}
					return
				}
				if resp.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME {
					t.Fatalf("changes = %v, want DIFF_SOME", resp.GetChanges())
				}
				if strings.Join(resp.GetReplaces(), ",") != strings.Join(tc.replaces, ",") ||
					strings.Join(resp.GetDiffs(), ",") != strings.Join(tc.replaces, ",") {
					t.Fatalf("replaces=%v diffs=%v, want %v", resp.GetReplaces(), resp.GetDiffs(), tc.replaces)
				}
				if d := resp.GetDetailedDiff()[tc.replaces[0]]; d.GetKind() != tc.kind || !d.GetInputDiff() {
					t.Fatalf("detailed diff = %v, want kind %v on inputs", d, tc.kind)
				}
			})
		}
	}

	bytesOld := mustCheck(t, bytesURN, props(map[string]any{"length": 32}))
	if resp := diff(t, bytesURN, bytesOld, bytesOld, true); resp.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("RandomBytes equal inputs: changes = %v", resp.GetChanges())
	}
	bytesNew := mustCheck(t, bytesURN, props(map[string]any{"length": 64}))
	if resp := diff(t, bytesURN, bytesOld, bytesNew, true); strings.Join(resp.GetReplaces(), ",") != "length" {
		t.Errorf("RandomBytes length change: replaces = %v", resp.GetReplaces())
	}
}

func TestCheckRejects(t *testing.T) {
	cases := []struct {
		name     string
		urn      string
		args     map[string]any
		property string
		reason   string
	}{
		{"length 0", passwordURN, map[string]any{"length": 0}, "length", "length must be an integer >= 1"},
		{"negative length", passwordURN, map[string]any{"length": -3}, "length", ">= 1"},
		{"fractional length", passwordURN, map[string]any{"length": 3.5}, "length", "must be an integer"},
		{"string length", passwordURN, map[string]any{"length": "32"}, "length", "must be an integer"},
		{"missing length", passwordURN, map[string]any{"special": false}, "length", "missing required property length"},
		{"negative minimum", passwordURN, map[string]any{"length": 8, "minUpper": -1}, "minUpper", ">= 0"},
		{"minimums exceed length", passwordURN, map[string]any{"length": 4, "minUpper": 3, "minNumeric": 2},
			"length", "length must be >= minUpper + minLower + minNumeric + minSpecial (5)"},
		{"number and numeric differ", passwordURN, map[string]any{"length": 8, "number": true, "numeric": false},
			"numeric", "differ"},
		{"every class disabled", passwordURN, map[string]any{
			"length": 8, "upper": false, "lower": false, "numeric": false, "special": false,
		}, "special", "at least one of upper, lower, numeric and special must be true"},
		{"wrong boolean type", passwordURN, map[string]any{"length": 8, "special": "no"}, "special", "must be a boolean"},
		{"unknown property", passwordURN, map[string]any{"length": 8, "result": "x"}, "result", "allowed inputs are"},
		{"bytes length 0", bytesURN, map[string]any{"length": 0}, "length", "length must be an integer >= 1"},
		{"bytes password input", bytesURN, map[string]any{"length": 4, "special": true}, "special", "not an input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, failures := check(t, tc.urn, props(tc.args))
			for _, f := range failures {
				if f.GetProperty() == tc.property && strings.Contains(f.GetReason(), tc.reason) {
					return
				}
			}
			t.Fatalf("want a failure on %s mentioning %q, got %v", tc.property, tc.reason, failures)
		})
	}

	// The engine hands Create whatever it has; invalid inputs must not produce a resource.
	_, err := newProvider(version).Create(context.Background(), &pulumirpc.CreateRequest{
		Urn: passwordURN, Properties: toStruct(t, props(map[string]any{"length": 0})),
	})
	if err == nil || !strings.Contains(err.Error(), "length") {
		t.Errorf("Create with length 0: err = %v, want an error naming length", err)
	}
}

func TestRandomBytes(t *testing.T) {
	for _, n := range []int{1, 32, 64} {
		inputs := mustCheck(t, bytesURN, props(map[string]any{"length": n, "keepers": map[string]any{"v": 1}}))
		if got := inputs["keepers"].ObjectValue()["v"]; !got.IsString() || got.StringValue() != "1" {
			t.Errorf("keepers value not normalised to a string: %v", got)
		}
		id, outs := create(t, bytesURN, inputs, false)
		if id != staticID {
			t.Errorf("id = %q", id)
		}
		raw, err := base64.StdEncoding.DecodeString(secretString(t, outs, "base64"))
		if err != nil {
			t.Fatalf("base64 output does not decode: %v", err)
		}
		if len(raw) != n {
			t.Errorf("base64 decodes to %d bytes, want %d", len(raw), n)
		}
		if h := secretString(t, outs, "hex"); h != hex.EncodeToString(raw) {
			t.Errorf("hex %q does not match base64 bytes %x", h, raw)
		}
	}
}

func TestReadAndImport(t *testing.T) {
	p := newProvider(version)
	inputs := mustCheck(t, passwordURN, props(map[string]any{"length": 12}))
	_, outs := create(t, passwordURN, inputs, false)

	// Refresh: state comes back unchanged, and inputs are recovered even when the engine sends none.
	resp, err := p.Read(context.Background(), &pulumirpc.ReadRequest{
		Id: "none", Urn: passwordURN, Properties: toStruct(t, outs),
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if got := fromStruct(t, resp.GetProperties()); !got.DeepEquals(outs) || resp.GetId() != "none" {
		t.Errorf("Read changed the state: id=%q props=%v", resp.GetId(), got)
	}
	if got := fromStruct(t, resp.GetInputs()); !got.DeepEquals(inputs) {
		t.Errorf("Read inputs = %v, want %v", got, inputs)
	}

	// Import: like upstream, the ID is the value.
	resp, err = p.Read(context.Background(), &pulumirpc.ReadRequest{Id: "Imp0rted!", Urn: passwordURN})
	if err != nil {
		t.Fatalf("import password: %v", err)
	}
	state := fromStruct(t, resp.GetProperties())
	if secretString(t, state, "result") != "Imp0rted!" || state["length"].NumberValue() != 9 || resp.GetId() != "none" {
		t.Errorf("imported password state = %v (id %q)", state, resp.GetId())
	}
	if err := bcrypt.CompareHashAndPassword([]byte(secretString(t, state, "bcryptHash")), []byte("Imp0rted!")); err != nil {
		t.Errorf("imported bcryptHash: %v", err)
	}
	if resp := diff(t, passwordURN, fromStruct(t, resp.GetInputs()), mustCheck(t, passwordURN,
		props(map[string]any{"length": 9})), true); resp.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("program matching the import still diffs: %v", resp.GetReplaces())
	}

	resp, err = p.Read(context.Background(), &pulumirpc.ReadRequest{Id: "AAEC/w==", Urn: bytesURN})
	if err != nil {
		t.Fatalf("import bytes: %v", err)
	}
	state = fromStruct(t, resp.GetProperties())
	if secretString(t, state, "hex") != "000102ff" || state["length"].NumberValue() != 4 {
		t.Errorf("imported bytes state = %v", state)
	}
	if _, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Id: "not base64!", Urn: bytesURN}); err == nil {
		t.Error("import of invalid base64 succeeded")
	}
}

func TestUpdateAndUnknownType(t *testing.T) {
	p := newProvider(version)
	if _, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: passwordURN}); err == nil {
		t.Error("Update succeeded; every change must replace")
	}
	_, err := p.Check(context.Background(), &pulumirpc.CheckRequest{
		Urn: "urn:pulumi:dev::proj::random:index/randomPet:RandomPet::p", News: &structpb.Struct{},
	})
	if err == nil || !strings.Contains(err.Error(), "RandomPet") {
		t.Errorf("Check of an unimplemented type: err = %v", err)
	}
}

// TestServe runs the plugin as the engine would see it: a port on the first line of stdout, then gRPC.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, pw) }()

	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading port: %v", err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("first stdout line %q is not a port", line)
	}
	conn, err := grpc.NewClient("127.0.0.1:"+strconv.Itoa(port), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := pulumirpc.NewResourceProviderClient(conn)
	rpcCtx, rpcCancel := context.WithTimeout(ctx, 30*time.Second)
	defer rpcCancel()

	info, err := client.GetPluginInfo(rpcCtx, &emptypb.Empty{})
	if err != nil || info.GetVersion() != version {
		t.Fatalf("GetPluginInfo = %v, %v; want version %s", info, err, version)
	}
	conf, err := client.Configure(rpcCtx, &pulumirpc.ConfigureRequest{})
	if err != nil || !conf.GetAcceptSecrets() || !conf.GetSupportsPreview() {
		t.Fatalf("Configure = %v, %v; want acceptSecrets and supportsPreview", conf, err)
	}
	schema, err := client.GetSchema(rpcCtx, &pulumirpc.GetSchemaRequest{})
	if err != nil {
		t.Fatalf("GetSchema: %v", err)
	}
	var doc struct {
		Name      string `json:"name"`
		Version   string `json:"version"`
		Resources map[string]struct {
			Properties     map[string]struct{ Secret bool } `json:"properties"`
			RequiredInputs []string                         `json:"requiredInputs"`
		} `json:"resources"`
	}
	if err := json.Unmarshal([]byte(schema.GetSchema()), &doc); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if doc.Name != "random" || doc.Version != version || len(doc.Resources) != 2 ||
		!doc.Resources[passwordToken].Properties["result"].Secret ||
		!doc.Resources[bytesToken].Properties["base64"].Secret ||
		strings.Join(doc.Resources[bytesToken].RequiredInputs, ",") != "length" {
		t.Fatalf("unexpected schema: %+v", doc)
	}
	created, err := client.Create(rpcCtx, &pulumirpc.CreateRequest{
		Urn: bytesURN, Properties: toStruct(t, props(map[string]any{"length": 8})),
	})
	if err != nil || created.GetId() != "none" {
		t.Fatalf("Create over gRPC = %v, %v", created, err)
	}

	// Close the client first so the graceful stop has no connection to wait for.
	conn.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after cancellation", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop after cancellation")
	}
}
