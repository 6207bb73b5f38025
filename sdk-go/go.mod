module github.com/frostmint/frostmint/sdk-go

go 1.24.0

require (
	filippo.io/edwards25519 v1.2.0
	github.com/go-jose/go-jose/v4 v4.1.9
)
