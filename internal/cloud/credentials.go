package cloud

// Credentials are static AWS credentials, for connecting to an account the
// credential chain does not name (each test's own emulator account).
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}
