//! The vocabulary the structured generators draw from. Request-side and policy-side words are
//! the same on purpose (policy patterns are request words with wildcards edited in), so most
//! generated checks exercise real matching instead of falling through to ImplicitDeny. The lists
//! also hold the awkward cases: case variants, non-ASCII text, empty ARN fields, `:` in relative
//! ids, values that do not read as their operator's type, and values at the edge of each range.

/// Characters edited into or generated in free strings: glob metacharacters, ARN separators,
/// ASCII letters in both cases, regex metacharacters (the compiled glob escapes them), and
/// non-ASCII letters whose case mappings are not one-to-one (Kelvin sign, long s, dotted I, final
/// sigma, sharp s).
pub const ALPHABET: &[char] = &[
    'a',
    'b',
    'A',
    'B',
    's',
    'S',
    'k',
    'K',
    'i',
    'I',
    '*',
    '*',
    '?',
    '?',
    ':',
    ':',
    '/',
    '.',
    '-',
    '_',
    '0',
    '1',
    '@',
    'é',
    'É',
    'ß',
    '\u{212A}',
    'ſ',
    'İ',
    'ı',
    'σ',
    'Σ',
    'ς',
    '部',
    '\n',
    ' ',
    '\t',
    '\u{0}',
    '\u{7f}',
    '$',
    '(',
    ')',
    '[',
    ']',
    '\\',
    '^',
    '|',
    '+',
    '{',
    '}',
    '"',
    '#',
    '\u{a0}',
    '\u{ffff}',
    '\u{10ffff}',
    '\u{1F600}',
];

/// Request actions (all valid: `service:Name`).
pub const ACTIONS: &[&str] = &[
    "eas:CreateService",
    "eas:DeleteService",
    "eas:ListServices",
    "EAS:createservice",
    "eas:Create",
    "oss:GetObject",
    "oss:PutObject",
    "oss:getobject",
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithOIDC",
    "sts:assumerolewithsaml",
    "sts:GetCallerIdentity",
    "STS:ASSUMEROLE",
    "sts:AssumeRol",
    "ram:PassRole",
    "ecs:DescribeInstances",
    "x:é",
    "x:É",
    "x:éa",
    "\u{212A}:k",
    "a:b",
    "a:B",
    "部:門",
];

/// Action patterns beyond the request actions edited with wildcards.
pub const ACTION_PATTERNS: &[&str] = &[
    "*",
    "eas:*",
    "oss:*",
    "sts:*",
    "*:*",
    "*:Get*",
    "*:*Service*",
    "eas:Create*",
    "eas:*Service",
    "eas:*Service*",
    "eas:?reate*",
    "e?s:*",
    "oss:?etObject",
    "sts:AssumeRole*",
    "sts:AssumeRole?",
    "*:*Role",
    "?:?",
    "x:é*",
    "x:?",
    "*:",
    "eas:",
];

/// Request resources.
pub const RESOURCES: &[&str] = &[
    "*",
    "acs:eas:cn-hangzhou:1111:service/demo",
    "acs:eas:cn-hangzhou:1111:service/prod",
    "acs:eas:cn-hangzhou:2222:service/demo",
    "acs:eas:cn-hangzhou:1111:service/a:b",
    "acs:eas:cn-hangzhou:1111:Service/demo",
    "acs:eas:cn-hangzhou::service/x",
    "acs:eas:cn-hangzhou:*:service/x",
    "acs:oss:cn-hangzhou:1111:bucket/a.txt",
    "acs:oss:cn-hangzhou:2222:bucket/dir/b.txt",
    "acs:oss:*:1111:mybucket/a/b/c.txt",
    "acs:ram::1111:role/runner",
    "acs:ram::2222:role/runner",
    "acs:ram::2222:role/runner/s1",
    "acs:ecs:cn-hangzhou:1111:instance/部门",
    "acs:eas:cn",
    "acs:eas:cn:2222",
    "acs:eas:cn:2222:",
    "ACS:EAS:CN:1111:SERVICE/DEMO",
    "?",
    "**",
];

/// Resource patterns beyond the request resources edited with wildcards.
pub const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "acs:eas:*:1111:service/*",
    "acs:eas:*:*:*",
    "acs:oss:*:*:bucket/*",
    "acs:oss:*:2222:bucket/?.txt",
    "acs:oss:*:*:mybucket/*",
    "acs:ram::*:role/*",
    "acs:*:cn-hangzhou:*:*",
    "*demo",
    "acs:*",
    "*:*",
    "*a*a*a*b",
    "acs:eas:cn-hangzhou:1111:service/???",
    "acs:ecs:*:*:instance/??",
    "acs:ecs:*:*:instance/?",
];

/// Account ids of request principals.
pub const ACCOUNTS: &[&str] = &["1111", "2222", "9001", "*", "11"];

/// Names of users, roles and sessions.
pub const NAMES: &[&str] = &[
    "alice",
    "runner",
    "Alice",
    "s1",
    "a/b",
    "部门",
    "*",
    "runner/s1",
];

/// Service principals.
pub const SERVICES: &[&str] = &[
    "pai.aliyuncs.com",
    "PAI.aliyuncs.com",
    "ecs.aliyuncs.com",
    "log.aliyuncs.com",
    "dataworks.aliyuncs.com",
];

/// Federated identity providers.
pub const PROVIDERS: &[&str] = &[
    "acs:ram::1111:saml-provider/idp",
    "acs:ram::1111:oidc-provider/ack",
    "ACS:RAM::1111:SAML-PROVIDER/IDP",
];

/// `RAM` principal entries beyond the request ARNs edited with wildcards.
pub const RAM_ENTRIES: &[&str] = &[
    "acs:ram::1111:root",
    "acs:ram::*:root",
    "acs:ram::2222:root",
    "acs:ram::1?11:root",
    "acs:ram::11*:root",
    "acs:ram::1111:user/alice",
    "acs:ram::2222:role/runner",
    "acs:ram::2222:role/runner/s1",
    "acs:ram::*:user/*",
    "acs:ram::*:role/*",
    "acs:ram::1111:root:x",
    "acs:ram:::root",
    "*",
    "1111",
];

/// `Service` principal entries.
pub const SERVICE_ENTRIES: &[&str] = &[
    "pai.aliyuncs.com",
    "ECS.aliyuncs.com",
    "1111@log.aliyuncs.com",
    "2222@log.aliyuncs.com",
    "@pai.aliyuncs.com",
    "1111@",
    "a@b@c",
    "*",
];

/// Entries of an OSS principal list.
pub const ACCOUNT_LIST_ENTRIES: &[&str] = &["*", "1111", "2222", "9001", "20214760404935xxxx"];

/// Resource groups.
pub const RESOURCE_GROUPS: &[&str] = &["rg-1", "rg-2", "RG-1", "rg-1 "];

/// Condition keys, as policies and requests spell them (case varies; both sides fold ASCII).
pub const KEYS: &[&str] = &[
    "acs:SourceIp",
    "ACS:SOURCEIP",
    "acs:CurrentTime",
    "acs:SecureTransport",
    "acs:MFAPresent",
    "acs:ResourceTag/Env",
    "acs:resourcetag/env",
    "acs:TagKeys",
    "team",
    "Team",
    "count",
    "ecs:tag/部门",
    "kms:tag/acs:rds:instance-encryption",
    " team",
    "tÉam",
    "\u{212A}ey",
    "key",
];

/// Values of the string operators (and, through `StringLike`, patterns).
pub const STRINGS: &[&str] = &[
    "dev", "DEV", "prod", "d*", "?rod", "ops", "", "*", "?", "Σ", "σ", "ς", "İ", "i̇", "ß", "SS",
    "\u{212A}", "k", "ſ", "s", "部门", "a*b", "dev ",
];

/// Values of the numeric operators, valid in a policy.
pub const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "+0",
    "0.0",
    "5",
    "10",
    "10.0",
    "1e1",
    "1E1",
    ".5",
    "5.",
    "-3",
    "4.99",
    "9007199254740993",
    "9007199254740992",
    "1e999999999",
    "-1e999999999",
    "1e-999999999",
    "00001",
    "0.1e2",
    "123456789012345678901234567890.5",
    "1e+1",
];

/// Numeric request values that do not read (or are out of range).
pub const BAD_NUMBERS: &[&str] = &[
    "abc",
    " 1",
    "1e1000000000",
    "NaN",
    "inf",
    "0x10",
    "1_0",
    ".",
    "-",
    "1e",
    "１",
];

/// Values of the date operators, valid in a policy.
pub const DATES: &[&str] = &[
    "2024-01-01T00:00:00Z",
    "2024-01-01",
    "2024-06-01T08:00:00+08:00",
    "2024-01-01t08:00:00+08:00",
    "2023-12-31T23:59:59Z",
    "2024-01-01T00:00:00.000000001Z",
    "2024-01-01T00:00:00.5z",
    "1704067200",
    "+1704067200",
    "-1",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-23:59",
    "0000-01-01T00:00:00+23:59",
    "-62167219200",
    "253402300799",
    "2024-02-29",
];

/// Date request values that do not read.
pub const BAD_DATES: &[&str] = &[
    "garbage",
    "2023-02-29",
    "2024-01-01T00:00:60Z",
    "2024-01-01T00:00:00",
    "2024-01-01 00:00:00Z",
    "1704067200.5",
    "253402300800",
    "2024-01-01T00:00:00.0000000001Z",
    "2024-13-01",
    "99999999999999999999",
];

/// Values of the IP operators, valid in a policy.
pub const NETWORKS: &[&str] = &[
    "10.0.0.0/8",
    "10.1.2.3",
    "192.0.2.1",
    "192.0.2.1/32",
    "2001:db8::/32",
    "0.0.0.0/0",
    "::/0",
    "::ffff:0:0/96",
    "::ffff:10.0.0.1",
    "10.255.255.255/1",
    "::1",
];

/// IP request values (addresses, and some that do not read).
pub const ADDRESSES: &[&str] = &[
    "10.1.2.3",
    "192.0.2.1",
    "2001:db8::1",
    "::ffff:10.0.0.1",
    "::ffff:192.0.2.1",
    "::1",
    "0.0.0.0",
    "Internal",
    "10.0.0.0/8",
    "010.1.2.3",
    "fe80::1%eth0",
    "42.120.XX.XX",
];

/// Values of `Bool` and `Null`, valid in a policy.
pub const BOOLS: &[&str] = &["true", "false", "TRUE", "False", "tRuE"];

/// Boolean request values that do not read.
pub const BAD_BOOLS: &[&str] = &["yes", "1", "maybe", " true", "truee"];
