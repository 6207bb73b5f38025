// Command validate checks the sidecar recipes in deploy/sidecars against the proxies' own
// API definitions, since no Envoy binary can run here:
//
//   - an Envoy bootstrap is decoded strictly (unknown fields, bad enums and wrong types fail)
//     into go-control-plane's generated protos, and every message, including the contents of
//     each typed_config Any, passes its generated ValidateAll() (protoc-gen-validate rules);
//
//   - Istio objects are decoded strictly into istio.io/api's generated protos for their kind,
//     and their apiVersion/kind must be one Istio's CRDs serve.
//
//     validate envoy.yaml istio.yaml
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/jwt_authn/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	securityv1beta1 "istio.io/api/security/v1beta1"
	"sigs.k8s.io/yaml"
)

// istioKinds are the security.istio.io kinds the recipes use, by the versions Istio serves.
var istioKinds = map[string]func() proto.Message{
	"RequestAuthentication": func() proto.Message { return &securityv1beta1.RequestAuthentication{} },
	"AuthorizationPolicy":   func() proto.Message { return &securityv1beta1.AuthorizationPolicy{} },
}

var istioVersions = map[string]bool{"security.istio.io/v1": true, "security.istio.io/v1beta1": true}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: validate FILE.yaml...")
		os.Exit(2)
	}
	failed := false
	for _, path := range os.Args[1:] {
		if err := validateFile(path); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			failed = true
		} else {
			fmt.Printf("%s: valid\n", path)
		}
	}
	if failed {
		os.Exit(1)
	}
}

func validateFile(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for i, doc := range strings.Split(string(raw), "\n---") {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		asJSON, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return fmt.Errorf("document %d: %w", i+1, err)
		}
		var head struct {
			APIVersion string          `json:"apiVersion"`
			Kind       string          `json:"kind"`
			Spec       json.RawMessage `json:"spec"`
		}
		if err := json.Unmarshal(asJSON, &head); err != nil {
			return fmt.Errorf("document %d: %w", i+1, err)
		}
		if head.Kind == "" {
			err = validateEnvoyBootstrap(asJSON)
		} else {
			err = validateIstio(head.APIVersion, head.Kind, head.Spec)
		}
		if err != nil {
			return fmt.Errorf("document %d: %w", i+1, err)
		}
	}
	return nil
}

func stripComments(doc string) string {
	var out strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			out.WriteString(line + "\n")
		}
	}
	return out.String()
}

func validateEnvoyBootstrap(asJSON []byte) error {
	var bootstrap bootstrapv3.Bootstrap
	if err := protojson.Unmarshal(asJSON, &bootstrap); err != nil {
		return fmt.Errorf("envoy bootstrap: %w", err)
	}
	return validateTree(bootstrap.ProtoReflect(), "bootstrap")
}

// validateTree runs ValidateAll on msg and on every message below it, unpacking Any fields
// (typed_config) so the filter configurations are checked too, not just their type URLs.
func validateTree(msg protoreflect.Message, at string) error {
	if any, ok := msg.Interface().(*anypb.Any); ok {
		inner, err := any.UnmarshalNew()
		if err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		return validateTree(inner.ProtoReflect(), at+"<"+string(inner.ProtoReflect().Descriptor().FullName())+">")
	}
	if v, ok := msg.Interface().(interface{ ValidateAll() error }); ok {
		if err := v.ValidateAll(); err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
	}
	var errs []error
	msg.Range(func(fd protoreflect.FieldDescriptor, value protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			return true
		}
		path := at + "." + string(fd.Name())
		switch {
		case fd.IsList():
			for i := 0; i < value.List().Len(); i++ {
				errs = append(errs, validateTree(value.List().Get(i).Message(), fmt.Sprintf("%s[%d]", path, i)))
			}
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				value.Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
					errs = append(errs, validateTree(v.Message(), fmt.Sprintf("%s[%s]", path, k.String())))
					return true
				})
			}
		default:
			errs = append(errs, validateTree(value.Message(), path))
		}
		return true
	})
	return errors.Join(errs...)
}

func validateIstio(apiVersion, kind string, spec json.RawMessage) error {
	newSpec, ok := istioKinds[kind]
	if !ok || !istioVersions[apiVersion] {
		return fmt.Errorf("%s %s is not a security.istio.io kind these recipes use", apiVersion, kind)
	}
	if len(bytes.TrimSpace(spec)) == 0 {
		return fmt.Errorf("%s has no spec", kind)
	}
	if err := protojson.Unmarshal(spec, newSpec()); err != nil {
		return fmt.Errorf("%s spec: %w", kind, err)
	}
	return nil
}
