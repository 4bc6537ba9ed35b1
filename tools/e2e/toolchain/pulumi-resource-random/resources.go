package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
)

const (
	passwordToken = "random:index/randomPassword:RandomPassword"
	bytesToken    = "random:index/randomBytes:RandomBytes"

	// The ID upstream gives every RandomPassword and RandomBytes: the value lives in the state, not in the ID.
	staticID = "none"

	upperChars          = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerChars          = "abcdefghijklmnopqrstuvwxyz"
	numericChars        = "0123456789"
	defaultSpecialChars = "!@#$%&*()-_=+[]{}<>:?"

	// bcrypt only looks at the first 72 bytes; upstream hashes that prefix rather than failing on long passwords.
	bcryptMaxInput = 72
)

type propKind int

const (
	kindInteger propKind = iota
	kindBoolean
	kindString
	kindStringMap
)

func (k propKind) String() string {
	switch k {
	case kindInteger:
		return "an integer"
	case kindBoolean:
		return "a boolean"
	case kindString:
		return "a string"
	default:
		return "a map of strings"
	}
}

type propSpec struct {
	name     string
	kind     propKind
	input    bool // set by the program; every input forces replacement, as upstream
	required bool // required input, and always present in the outputs
	secret   bool // generated output that must never reach the state or the CLI in plain text
	// Always present in the outputs because Check fills it in, so the schema can promise it.
	alwaysOut   bool
	deprecation string
	description string
}

type resourceSpec struct {
	token       string
	description string
	props       []propSpec
	// defaults fills the upstream defaults into checked inputs and validates the combination of values;
	// per-property types have already been checked.
	defaults func(resource.PropertyMap) []*pulumirpc.CheckFailure
	// generate returns only the generated outputs, from inputs that Check accepted and that are fully known.
	generate func(resource.PropertyMap) (resource.PropertyMap, error)
	// fromImportID rebuilds the whole state from the value given to `pulumi import`, as upstream does.
	fromImportID func(id string) (resource.PropertyMap, error)
}

func (r *resourceSpec) prop(name string) (propSpec, bool) {
	for _, p := range r.props {
		if p.name == name {
			return p, true
		}
	}
	return propSpec{}, false
}

func (r *resourceSpec) inputNames() []string {
	var names []string
	for _, p := range r.props {
		if p.input {
			names = append(names, p.name)
		}
	}
	return names
}

func (r *resourceSpec) generatedNames() []string {
	var names []string
	for _, p := range r.props {
		if !p.input {
			names = append(names, p.name)
		}
	}
	return names
}

var keepersProp = propSpec{
	name: "keepers", kind: kindStringMap, input: true,
	description: "Arbitrary map of values that, when changed, will trigger recreation of resource.",
}

var passwordSpec = &resourceSpec{
	token: passwordToken,
	description: "Generates a random password with a cryptographic random number generator. " +
		"The result is treated as a secret.",
	props: []propSpec{
		{name: "bcryptHash", kind: kindString, secret: true, alwaysOut: true,
			description: "A bcrypt hash of the generated random string (of its first 72 bytes)."},
		keepersProp,
		{name: "length", kind: kindInteger, input: true, required: true, alwaysOut: true,
			description: "The length of the string desired. The minimum value for length is 1 and, length must " +
				"also be >= (`minUpper` + `minLower` + `minNumeric` + `minSpecial`)."},
		{name: "lower", kind: kindBoolean, input: true, alwaysOut: true,
			description: "Include lowercase alphabet characters in the result. Default value is `true`."},
		{name: "minLower", kind: kindInteger, input: true, alwaysOut: true,
			description: "Minimum number of lowercase alphabet characters in the result. Default value is `0`."},
		{name: "minNumeric", kind: kindInteger, input: true, alwaysOut: true,
			description: "Minimum number of numeric characters in the result. Default value is `0`."},
		{name: "minSpecial", kind: kindInteger, input: true, alwaysOut: true,
			description: "Minimum number of special characters in the result. Default value is `0`."},
		{name: "minUpper", kind: kindInteger, input: true, alwaysOut: true,
			description: "Minimum number of uppercase alphabet characters in the result. Default value is `0`."},
		{name: "number", kind: kindBoolean, input: true, alwaysOut: true,
			deprecation: "**NOTE**: This is deprecated, use `numeric` instead.",
			description: "Include numeric characters in the result. Default value is `true`."},
		{name: "numeric", kind: kindBoolean, input: true, alwaysOut: true,
			description: "Include numeric characters in the result. Default value is `true`."},
		{name: "overrideSpecial", kind: kindString, input: true,
			description: "Supply your own list of special characters to use for password generation. This overrides " +
				"the default character list in the special argument. The `special` argument must still be set to " +
				"true for any overwritten characters to be used in generation."},
		{name: "result", kind: kindString, secret: true, alwaysOut: true,
			description: "The generated random string."},
		{name: "special", kind: kindBoolean, input: true, alwaysOut: true,
			description: "Include special characters in the result. These are `" + defaultSpecialChars +
				"`. Default value is `true`."},
		{name: "upper", kind: kindBoolean, input: true, alwaysOut: true,
			description: "Include uppercase alphabet characters in the result. Default value is `true`."},
	},
	defaults:     passwordDefaults,
	generate:     generatePassword,
	fromImportID: importPassword,
}

var bytesSpec = &resourceSpec{
	token: bytesToken,
	description: "Generates random bytes that are intended to be used as a secret, or key. " +
		"The outputs are treated as secrets.",
	props: []propSpec{
		{name: "base64", kind: kindString, secret: true, alwaysOut: true,
			description: "The generated bytes presented in base64 string format."},
		{name: "hex", kind: kindString, secret: true, alwaysOut: true,
			description: "The generated bytes presented in hex string format."},
		keepersProp,
		{name: "length", kind: kindInteger, input: true, required: true, alwaysOut: true,
			description: "The number of bytes requested. The minimum value for length is 1."},
	},
	defaults:     bytesDefaults,
	generate:     generateBytes,
	fromImportID: importBytes,
}

var resourceSpecs = map[string]*resourceSpec{
	passwordToken: passwordSpec,
	bytesToken:    bytesSpec,
}

// unsecret strips secret wrappers: validation and generation care about the value, while the wrappers
// themselves are kept on the checked inputs so secret inputs stay secret in the state.
func unsecret(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

// resecret gives replacement the same secretness as the value it replaces.
func resecret(original, replacement resource.PropertyValue) resource.PropertyValue {
	if original.ContainsSecrets() && !replacement.ContainsSecrets() {
		return resource.MakeSecret(replacement)
	}
	return replacement
}

func failure(property, format string, args ...any) *pulumirpc.CheckFailure {
	return &pulumirpc.CheckFailure{Property: property, Reason: fmt.Sprintf(format, args...)}
}

// checkInputs drops null and engine-internal keys, type-checks every input, normalises keepers values to
// strings and then applies the resource's defaults and combination rules. Unknown values are accepted
// as they are: they are checked again once known, before anything is generated.
func checkInputs(spec *resourceSpec, news resource.PropertyMap) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	out := resource.PropertyMap{}
	var failures []*pulumirpc.CheckFailure
	for _, key := range news.StableKeys() {
		name := string(key)
		v := news[key]
		if strings.HasPrefix(name, "__") || unsecret(v).IsNull() {
			continue
		}
		p, ok := spec.prop(name)
		if !ok || !p.input {
			failures = append(failures, failure(name,
				"%s is not an input of %s; allowed inputs are: %s",
				name, spec.token, strings.Join(spec.inputNames(), ", ")))
			continue
		}
		checked, f := checkKind(p, v)
		if f != nil {
			failures = append(failures, f)
			continue
		}
		out[key] = checked
	}
	for _, p := range spec.props {
		if _, present := out[resource.PropertyKey(p.name)]; p.required && !present {
			failures = append(failures, failure(p.name, "missing required property %s (%s)", p.name, p.kind))
		}
	}
	if len(failures) > 0 {
		return out, failures
	}
	return out, spec.defaults(out)
}

func checkKind(p propSpec, v resource.PropertyValue) (resource.PropertyValue, *pulumirpc.CheckFailure) {
	inner := unsecret(v)
	if inner.IsComputed() || inner.IsOutput() {
		return v, nil
	}
	wrong := func() *pulumirpc.CheckFailure {
		return failure(p.name, "%s must be %s, got %s", p.name, p.kind, inner.TypeString())
	}
	switch p.kind {
	case kindInteger:
		if !inner.IsNumber() {
			return v, wrong()
		}
		n := inner.NumberValue()
		if n != math.Trunc(n) || math.Abs(n) > math.MaxInt32 {
			return v, failure(p.name, "%s must be an integer, got %v", p.name, n)
		}
	case kindBoolean:
		if !inner.IsBool() {
			return v, wrong()
		}
	case kindString:
		if !inner.IsString() {
			return v, wrong()
		}
	case kindStringMap:
		if !inner.IsObject() {
			return v, wrong()
		}
		m := resource.PropertyMap{}
		for k, e := range inner.ObjectValue() {
			ev := unsecret(e)
			var s string
			switch {
			case ev.IsNull():
				// A null keeper is the same as no keeper to upstream, so it must not cause a replacement.
				continue
			case ev.IsComputed() || ev.IsOutput():
				m[k] = e
				continue
			case ev.IsString():
				s = ev.StringValue()
			case ev.IsNumber():
				s = strconv.FormatFloat(ev.NumberValue(), 'f', -1, 64)
			case ev.IsBool():
				s = strconv.FormatBool(ev.BoolValue())
			default:
				return v, failure(p.name, "%s values must be strings, but %s.%s is %s",
					p.name, p.name, k, ev.TypeString())
			}
			m[k] = resecret(e, resource.NewProperty(s))
		}
		if len(m) == 0 {
			// Upstream treats an empty keepers map like an absent one.
			return resource.NewNullProperty(), nil
		}
		return resecret(v, resource.NewProperty(m)), nil
	}
	return v, nil
}

// knownInt reads an integer input that checkKind has already accepted.
func knownInt(m resource.PropertyMap, name string) (int, bool) {
	v := unsecret(m[resource.PropertyKey(name)])
	if !v.IsNumber() {
		return 0, false
	}
	return int(v.NumberValue()), true
}

func knownBool(m resource.PropertyMap, name string) (bool, bool) {
	v := unsecret(m[resource.PropertyKey(name)])
	if !v.IsBool() {
		return false, false
	}
	return v.BoolValue(), true
}

func setDefault(m resource.PropertyMap, name string, v resource.PropertyValue) {
	if _, ok := m[resource.PropertyKey(name)]; !ok {
		m[resource.PropertyKey(name)] = v
	}
}

func dropNulls(m resource.PropertyMap) {
	for k, v := range m {
		if unsecret(v).IsNull() {
			delete(m, k)
		}
	}
}

var passwordMinimums = []string{"minUpper", "minLower", "minNumeric", "minSpecial"}

func passwordDefaults(in resource.PropertyMap) []*pulumirpc.CheckFailure {
	dropNulls(in)
	var failures []*pulumirpc.CheckFailure
	for _, name := range []string{"upper", "lower", "special"} {
		setDefault(in, name, resource.NewProperty(true))
	}
	for _, name := range passwordMinimums {
		setDefault(in, name, resource.NewProperty(0.0))
	}
	// number is the deprecated spelling of numeric; upstream keeps both in the state and always equal.
	number, hasNumber := in["number"]
	numeric, hasNumeric := in["numeric"]
	switch {
	case !hasNumber && !hasNumeric:
		in["number"], in["numeric"] = resource.NewProperty(true), resource.NewProperty(true)
	case !hasNumber:
		in["number"] = numeric
	case !hasNumeric:
		in["numeric"] = number
	default:
		a, aok := knownBool(in, "number")
		b, bok := knownBool(in, "numeric")
		if aok && bok && a != b {
			failures = append(failures, failure("numeric",
				"number and numeric are both set but differ (number=%v, numeric=%v); number is deprecated, "+
					"set only numeric", a, b))
		}
	}

	length, lengthKnown := knownInt(in, "length")
	if lengthKnown && length < 1 {
		failures = append(failures, failure("length", "length must be an integer >= 1, got %d", length))
	}
	sum, sumKnown := 0, true
	for _, name := range passwordMinimums {
		n, ok := knownInt(in, name)
		if !ok {
			sumKnown = false
			continue
		}
		if n < 0 {
			failures = append(failures, failure(name, "%s must be an integer >= 0, got %d", name, n))
		}
		sum += n
	}
	if lengthKnown && sumKnown && length >= 1 && sum > length {
		failures = append(failures, failure("length",
			"length must be >= minUpper + minLower + minNumeric + minSpecial (%d), got %d", sum, length))
	}

	allKnownFalse := true
	for _, name := range []string{"upper", "lower", "numeric", "special"} {
		if b, ok := knownBool(in, name); !ok || b {
			allKnownFalse = false
		}
	}
	if allKnownFalse {
		failures = append(failures, failure("special",
			"at least one of upper, lower, numeric and special must be true"))
	}
	return failures
}

func bytesDefaults(in resource.PropertyMap) []*pulumirpc.CheckFailure {
	dropNulls(in)
	if length, ok := knownInt(in, "length"); ok && length < 1 {
		return []*pulumirpc.CheckFailure{failure("length", "length must be an integer >= 1, got %d", length)}
	}
	return nil
}

// randomRunes draws n runes uniformly from set. Runes rather than bytes, so that a non-ASCII
// overrideSpecial still yields valid UTF-8.
func randomRunes(set []rune, n int) ([]rune, error) {
	out := make([]rune, n)
	if n == 0 {
		return out, nil
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("cannot draw %d characters from an empty character set", n)
	}
	size := big.NewInt(int64(len(set)))
	for i := range out {
		idx, err := rand.Int(rand.Reader, size)
		if err != nil {
			return nil, fmt.Errorf("reading random data: %w", err)
		}
		out[i] = set[idx.Int64()]
	}
	return out, nil
}

type passwordParams struct {
	length                                     int
	upper, lower, numeric, special             bool
	minUpper, minLower, minNumeric, minSpecial int
	overrideSpecial                            string
}

func passwordParamsOf(in resource.PropertyMap) passwordParams {
	var p passwordParams
	p.length, _ = knownInt(in, "length")
	p.upper, _ = knownBool(in, "upper")
	p.lower, _ = knownBool(in, "lower")
	p.numeric, _ = knownBool(in, "numeric")
	p.special, _ = knownBool(in, "special")
	p.minUpper, _ = knownInt(in, "minUpper")
	p.minLower, _ = knownInt(in, "minLower")
	p.minNumeric, _ = knownInt(in, "minNumeric")
	p.minSpecial, _ = knownInt(in, "minSpecial")
	if v := unsecret(in["overrideSpecial"]); v.IsString() {
		p.overrideSpecial = v.StringValue()
	}
	return p
}

// makePassword follows upstream: the minimum counts are drawn from their own class (even when that class
// is otherwise disabled), the rest from the union of enabled classes, and the whole is then shuffled so the
// guaranteed characters are not at predictable positions.
func makePassword(p passwordParams) (string, error) {
	special := defaultSpecialChars
	if p.overrideSpecial != "" {
		special = p.overrideSpecial
	}
	var pool string
	if p.upper {
		pool += upperChars
	}
	if p.lower {
		pool += lowerChars
	}
	if p.numeric {
		pool += numericChars
	}
	if p.special {
		pool += special
	}

	result := make([]rune, 0, p.length)
	for _, class := range []struct {
		chars string
		min   int
	}{{upperChars, p.minUpper}, {lowerChars, p.minLower}, {numericChars, p.minNumeric}, {special, p.minSpecial}} {
		rs, err := randomRunes([]rune(class.chars), class.min)
		if err != nil {
			return "", err
		}
		result = append(result, rs...)
	}
	rest, err := randomRunes([]rune(pool), p.length-len(result))
	if err != nil {
		return "", err
	}
	result = append(result, rest...)

	for i := len(result) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", fmt.Errorf("reading random data: %w", err)
		}
		result[i], result[j.Int64()] = result[j.Int64()], result[i]
	}
	return string(result), nil
}

func bcryptHash(password string) (string, error) {
	b := []byte(password)
	if len(b) > bcryptMaxInput {
		b = b[:bcryptMaxInput]
	}
	h, err := bcrypt.GenerateFromPassword(b, bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("generating bcrypt hash: %w", err)
	}
	return string(h), nil
}

func passwordOutputs(result string) (resource.PropertyMap, error) {
	hash, err := bcryptHash(result)
	if err != nil {
		return nil, err
	}
	return resource.PropertyMap{
		"result":     resource.MakeSecret(resource.NewProperty(result)),
		"bcryptHash": resource.MakeSecret(resource.NewProperty(hash)),
	}, nil
}

func generatePassword(in resource.PropertyMap) (resource.PropertyMap, error) {
	result, err := makePassword(passwordParamsOf(in))
	if err != nil {
		return nil, err
	}
	return passwordOutputs(result)
}

func importPassword(id string) (resource.PropertyMap, error) {
	if id == "" {
		return nil, fmt.Errorf("importing %s needs the password as the ID", passwordToken)
	}
	state := resource.PropertyMap{"length": resource.NewProperty(float64(len([]rune(id))))}
	passwordDefaults(state)
	outs, err := passwordOutputs(id)
	if err != nil {
		return nil, err
	}
	for k, v := range outs {
		state[k] = v
	}
	return state, nil
}

func bytesOutputs(b []byte) resource.PropertyMap {
	return resource.PropertyMap{
		"base64": resource.MakeSecret(resource.NewProperty(base64.StdEncoding.EncodeToString(b))),
		"hex":    resource.MakeSecret(resource.NewProperty(hex.EncodeToString(b))),
	}
}

func generateBytes(in resource.PropertyMap) (resource.PropertyMap, error) {
	n, _ := knownInt(in, "length")
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("reading random data: %w", err)
	}
	return bytesOutputs(b), nil
}

func importBytes(id string) (resource.PropertyMap, error) {
	b, err := base64.StdEncoding.DecodeString(id)
	if err != nil {
		return nil, fmt.Errorf("importing %s needs the bytes, base64-encoded, as the ID: %w", bytesToken, err)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("importing %s needs at least one byte, base64-encoded, as the ID", bytesToken)
	}
	state := bytesOutputs(b)
	state["length"] = resource.NewProperty(float64(len(b)))
	return state, nil
}
