//! Shell arithmetic (`$(( ))`, `(( ))`, `let`, array subscripts): 64-bit wrapping integers,
//! C operators with bash's precedence, variables evaluated recursively (bounded).

/// Variable access for the arithmetic evaluator.
pub trait ArithVars {
    fn arith_get(&mut self, name: &str, index: Option<i64>) -> String;
    fn arith_set(&mut self, name: &str, index: Option<i64>, value: i64) -> Result<(), String>;
}

/// Recursion bound for variables whose values are expressions themselves.
const MAX_DEPTH: usize = 64;

/// An arithmetic error, and the variable's value it is in (bash names that expression in
/// its message, not the text given).
#[derive(Debug)]
pub struct ArithError {
    pub expr: Option<String>,
    pub message: String,
}

/// Marks an error message as coming from a variable's value: `\0VALUE\0MESSAGE`.
const IN_VALUE: char = '\0';

pub fn eval(expr: &str, vars: &mut dyn ArithVars) -> Result<i64, ArithError> {
    eval_depth(expr, vars, 0).map_err(|m| {
        match m
            .strip_prefix(IN_VALUE)
            .and_then(|m| m.split_once(IN_VALUE))
        {
            Some((expr, message)) => ArithError {
                expr: Some(expr.to_string()),
                message: message.to_string(),
            },
            None => ArithError {
                expr: None,
                message: m,
            },
        }
    })
}

fn eval_depth(expr: &str, vars: &mut dyn ArithVars, depth: usize) -> Result<i64, String> {
    if depth > MAX_DEPTH {
        return Err("expression recursion level exceeded".into());
    }
    let chars: Vec<char> = expr.chars().collect();
    let mut p = Arith {
        s: chars,
        i: 0,
        last_op: 0,
        vars,
        depth,
        nest: 0,
    };
    p.ws();
    if p.i >= p.s.len() {
        return Ok(0);
    }
    let v = p.comma(false)?;
    p.ws();
    if p.i < p.s.len() {
        let rest: String = p.s[p.i..].iter().collect();
        let c = p.s[p.i];
        // a character no token starts with is named as such
        let what = if c.is_alphanumeric() || c == '_' || "+-*/%<>=!~&|^?:,()".contains(c) {
            "syntax error in expression"
        } else {
            "syntax error: invalid arithmetic operator"
        };
        return Err(format!("{what} (error token is \"{rest}\")"));
    }
    Ok(v)
}

struct Arith<'a> {
    s: Vec<char>,
    i: usize,
    /// Where the last token read (an operator, a number, a name) starts: bash's error token
    /// at a missing operand or a negative exponent.
    last_op: usize,
    vars: &'a mut dyn ArithVars,
    depth: usize,
    /// Recursion of the parser itself (parentheses, unary operators, right-associative
    /// chains): bounded so that `((((…` or `- - - …` is an error, not a stack overflow.
    nest: usize,
}

const MAX_NEST: usize = 64;

/// An lvalue: a variable and an optional subscript.
struct LValue {
    name: String,
    index: Option<i64>,
}

impl Arith<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, op: &str) -> bool {
        self.ws();
        let n = op.chars().count();
        if self.i + n <= self.s.len() && self.s[self.i..self.i + n].iter().copied().eq(op.chars()) {
            self.last_op = self.i;
            self.i += n;
            true
        } else {
            false
        }
    }

    /// Where the next token starts.
    fn operand_start(&mut self) -> usize {
        self.ws();
        self.i
    }

    /// MESSAGE with bash's error token: the text from AT on.
    fn token(&self, message: String, at: usize) -> String {
        let rest: String = self.s[at.min(self.s.len())..].iter().collect();
        format!("{message} (error token is \"{rest}\")")
    }

    /// Is `op` next? (Callers consume it themselves, so it counts as the last operator.)
    fn peek_is(&mut self, op: &str) -> bool {
        self.ws();
        let n = op.chars().count();
        let found =
            self.i + n <= self.s.len() && self.s[self.i..self.i + n].iter().copied().eq(op.chars());
        if found {
            self.last_op = self.i;
        }
        found
    }

    fn comma(&mut self, skip: bool) -> Result<i64, String> {
        let mut v = self.assign(skip)?;
        while self.eat(",") {
            v = self.assign(skip)?;
        }
        Ok(v)
    }

    fn assign(&mut self, skip: bool) -> Result<i64, String> {
        self.nest += 1;
        let r = if self.nest > MAX_NEST {
            Err("expression nested too deeply".to_string())
        } else {
            self.assign_inner(skip)
        };
        self.nest -= 1;
        r
    }

    fn assign_inner(&mut self, skip: bool) -> Result<i64, String> {
        let save = self.i;
        if let Some(lv) = self.lvalue(skip)? {
            self.ws();
            for op in [
                "=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|=",
            ] {
                if self.peek_is(op) && !(op == "=" && self.peek_is("==")) {
                    self.i += op.len();
                    let rhs = self.assign(skip)?;
                    if skip {
                        return Ok(0);
                    }
                    let cur = if op == "=" { 0 } else { self.value_of(&lv)? };
                    let v = match op {
                        "=" => rhs,
                        "+=" => cur.wrapping_add(rhs),
                        "-=" => cur.wrapping_sub(rhs),
                        "*=" => cur.wrapping_mul(rhs),
                        "/=" => div(cur, rhs)?,
                        "%=" => rem(cur, rhs)?,
                        "<<=" => cur.wrapping_shl(rhs as u32),
                        ">>=" => cur.wrapping_shr(rhs as u32),
                        "&=" => cur & rhs,
                        "^=" => cur ^ rhs,
                        _ => cur | rhs,
                    };
                    self.vars.arith_set(&lv.name, lv.index, v)?;
                    return Ok(v);
                }
            }
        }
        self.i = save;
        self.ternary(skip)
    }

    fn ternary(&mut self, skip: bool) -> Result<i64, String> {
        let c = self.logical_or(skip)?;
        if self.eat("?") {
            let a = self.assign(skip || c == 0)?;
            if !self.eat(":") {
                return Err("`:' expected for conditional expression".into());
            }
            let b = self.assign(skip || c != 0)?;
            return Ok(if c != 0 { a } else { b });
        }
        Ok(c)
    }

    fn logical_or(&mut self, skip: bool) -> Result<i64, String> {
        let mut v = self.logical_and(skip)?;
        while self.eat("||") {
            let r = self.logical_and(skip || v != 0)?;
            v = i64::from(v != 0 || r != 0);
        }
        Ok(v)
    }

    fn logical_and(&mut self, skip: bool) -> Result<i64, String> {
        let mut v = self.bit_or(skip)?;
        while self.eat("&&") {
            let r = self.bit_or(skip || v == 0)?;
            v = i64::from(v != 0 && r != 0);
        }
        Ok(v)
    }

    fn bit_or(&mut self, skip: bool) -> Result<i64, String> {
        let mut v = self.bit_xor(skip)?;
        while self.peek_is("|") && !self.peek_is("||") && !self.peek_is("|=") {
            self.i += 1;
            v |= self.bit_xor(skip)?;
        }
        Ok(v)
    }

    fn bit_xor(&mut self, skip: bool) -> Result<i64, String> {
        let mut v = self.bit_and(skip)?;
        while self.peek_is("^") && !self.peek_is("^=") {
            self.i += 1;
            v ^= self.bit_and(skip)?;
        }
        Ok(v)
    }

    fn bit_and(&mut self, skip: bool) -> Result<i64, String> {
        let mut v = self.equality(skip)?;
        while self.peek_is("&") && !self.peek_is("&&") && !self.peek_is("&=") {
            self.i += 1;
            v &= self.equality(skip)?;
        }
        Ok(v)
    }

    fn equality(&mut self, skip: bool) -> Result<i64, String> {
        let mut v = self.relational(skip)?;
        loop {
            if self.eat("==") {
                v = i64::from(v == self.relational(skip)?);
            } else if self.eat("!=") {
                v = i64::from(v != self.relational(skip)?);
            } else {
                return Ok(v);
            }
        }
    }

    fn relational(&mut self, skip: bool) -> Result<i64, String> {
        let mut v = self.shift(skip)?;
        loop {
            if self.eat("<=") {
                v = i64::from(v <= self.shift(skip)?);
            } else if self.eat(">=") {
                v = i64::from(v >= self.shift(skip)?);
            } else if self.peek_is("<") && !self.peek_is("<<") {
                self.i += 1;
                v = i64::from(v < self.shift(skip)?);
            } else if self.peek_is(">") && !self.peek_is(">>") {
                self.i += 1;
                v = i64::from(v > self.shift(skip)?);
            } else {
                return Ok(v);
            }
        }
    }

    fn shift(&mut self, skip: bool) -> Result<i64, String> {
        let mut v = self.additive(skip)?;
        loop {
            if self.peek_is("<<") && !self.peek_is("<<=") {
                self.i += 2;
                v = v.wrapping_shl(self.additive(skip)? as u32);
            } else if self.peek_is(">>") && !self.peek_is(">>=") {
                self.i += 2;
                v = v.wrapping_shr(self.additive(skip)? as u32);
            } else {
                return Ok(v);
            }
        }
    }

    fn additive(&mut self, skip: bool) -> Result<i64, String> {
        let mut v = self.multiplicative(skip)?;
        loop {
            if self.peek_is("+") && !self.peek_is("++") && !self.peek_is("+=") {
                self.i += 1;
                v = v.wrapping_add(self.multiplicative(skip)?);
            } else if self.peek_is("-") && !self.peek_is("--") && !self.peek_is("-=") {
                self.i += 1;
                v = v.wrapping_sub(self.multiplicative(skip)?);
            } else {
                return Ok(v);
            }
        }
    }

    fn multiplicative(&mut self, skip: bool) -> Result<i64, String> {
        let mut v = self.power(skip)?;
        loop {
            if self.peek_is("*") && !self.peek_is("**") && !self.peek_is("*=") {
                self.i += 1;
                let r = self.power(skip)?;
                v = v.wrapping_mul(r);
            } else if self.peek_is("/") && !self.peek_is("/=") {
                self.i += 1;
                let at = self.operand_start();
                let r = self.power(skip)?;
                v = if skip {
                    0
                } else {
                    div(v, r).map_err(|m| self.token(m, at))?
                };
            } else if self.peek_is("%") && !self.peek_is("%=") {
                self.i += 1;
                let at = self.operand_start();
                let r = self.power(skip)?;
                v = if skip {
                    0
                } else {
                    rem(v, r).map_err(|m| self.token(m, at))?
                };
            } else {
                return Ok(v);
            }
        }
    }

    fn power(&mut self, skip: bool) -> Result<i64, String> {
        let base = self.unary(skip)?;
        if self.eat("**") {
            self.nest += 1;
            let exp = if self.nest > MAX_NEST {
                Err("expression nested too deeply".to_string())
            } else {
                self.power(skip)
            };
            self.nest -= 1;
            let exp = exp?;
            if exp < 0 {
                // bash's token: the one after the exponent, or its last one at the end
                let at = self.operand_start();
                let at = if at < self.s.len() { at } else { self.last_op };
                return if skip {
                    Ok(0)
                } else {
                    Err(self.token("exponent less than 0".into(), at))
                };
            }
            return Ok(pow(base, exp));
        }
        Ok(base)
    }

    fn unary(&mut self, skip: bool) -> Result<i64, String> {
        self.nest += 1;
        let r = if self.nest > MAX_NEST {
            Err("expression nested too deeply".to_string())
        } else {
            self.unary_inner(skip)
        };
        self.nest -= 1;
        r
    }

    fn unary_inner(&mut self, skip: bool) -> Result<i64, String> {
        self.ws();
        if self.eat("++") || self.eat("--") {
            let inc = self.s[self.i - 1] == '+';
            let Some(lv) = self.lvalue(skip)? else {
                return Err("syntax error: operand expected".into());
            };
            if skip {
                return Ok(0);
            }
            let v = self.value_of(&lv)?.wrapping_add(if inc { 1 } else { -1 });
            self.vars.arith_set(&lv.name, lv.index, v)?;
            return Ok(v);
        }
        if self.eat("!") {
            return Ok(i64::from(self.unary(skip)? == 0));
        }
        if self.eat("~") {
            return Ok(!self.unary(skip)?);
        }
        if self.eat("-") {
            return Ok(self.unary(skip)?.wrapping_neg());
        }
        if self.eat("+") {
            return self.unary(skip);
        }
        self.postfix(skip)
    }

    fn postfix(&mut self, skip: bool) -> Result<i64, String> {
        self.ws();
        let save = self.i;
        if let Some(lv) = self.lvalue(skip)? {
            if self.peek_is("++") || self.peek_is("--") {
                let inc = self.s[self.i] == '+';
                self.i += 2;
                if skip {
                    return Ok(0);
                }
                let v = self.value_of(&lv)?;
                self.vars.arith_set(
                    &lv.name,
                    lv.index,
                    v.wrapping_add(if inc { 1 } else { -1 }),
                )?;
                return Ok(v);
            }
            if skip {
                return Ok(0);
            }
            return self.value_of(&lv);
        }
        self.i = save;
        self.primary(skip)
    }

    fn primary(&mut self, skip: bool) -> Result<i64, String> {
        self.ws();
        if self.eat("(") {
            let v = self.comma(skip)?;
            if !self.eat(")") {
                return Err("missing `)'".into());
            }
            return Ok(v);
        }
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || matches!(self.s[self.i], '#' | '_' | '@'))
        {
            self.i += 1;
        }
        if start < self.i {
            self.last_op = start;
        }
        if start == self.i {
            if self.i >= self.s.len() {
                let rest: String = self.s[self.last_op.min(self.i)..].iter().collect();
                return Err(format!(
                    "syntax error: operand expected (error token is \"{rest}\")"
                ));
            }
            let rest: String = self.s[self.i..].iter().collect();
            return Err(format!(
                "syntax error: operand expected (error token is \"{rest}\")"
            ));
        }
        let tok: String = self.s[start..self.i].iter().collect();
        parse_number(&tok)
    }

    /// A variable name (with an optional subscript) at the cursor.
    fn lvalue(&mut self, skip: bool) -> Result<Option<LValue>, String> {
        self.ws();
        let start = self.i;
        if !(self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphabetic() || self.s[self.i] == '_'))
        {
            return Ok(None);
        }
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == '_')
        {
            self.i += 1;
        }
        let name: String = self.s[start..self.i].iter().collect();
        let mut index = None;
        if self.i < self.s.len() && self.s[self.i] == '[' {
            let mut depth = 0;
            let mut j = self.i;
            while j < self.s.len() {
                match self.s[j] {
                    '[' => depth += 1,
                    ']' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            if j >= self.s.len() {
                return Err("bad array subscript".into());
            }
            let inner: String = self.s[self.i + 1..j].iter().collect();
            self.i = j + 1;
            index = Some(if skip {
                0
            } else {
                eval_depth(&inner, self.vars, self.depth + 1)?
            });
        }
        Ok(Some(LValue { name, index }))
    }

    fn value_of(&mut self, lv: &LValue) -> Result<i64, String> {
        let text = self.vars.arith_get(&lv.name, lv.index);
        let t = text.trim();
        if t.is_empty() {
            return Ok(0);
        }
        if let Ok(n) = t.parse::<i64>() {
            return Ok(n);
        }
        eval_depth(t, self.vars, self.depth + 1).map_err(|m| {
            if m.starts_with(IN_VALUE) {
                m
            } else {
                format!("{IN_VALUE}{t}{IN_VALUE}{m}")
            }
        })
    }
}

fn div(a: i64, b: i64) -> Result<i64, String> {
    if b == 0 {
        Err("division by 0".into())
    } else {
        Ok(a.wrapping_div(b))
    }
}

fn rem(a: i64, b: i64) -> Result<i64, String> {
    if b == 0 {
        Err("division by 0".into())
    } else {
        Ok(a.wrapping_rem(b))
    }
}

/// Exponentiation by squaring: O(log exp) even for huge exponents.
fn pow(mut base: i64, mut exp: i64) -> i64 {
    let mut acc: i64 = 1;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = acc.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        exp >>= 1;
    }
    acc
}

/// Decimal, `0x` hex, `0` octal, `base#digits`.
pub fn parse_number(tok: &str) -> Result<i64, String> {
    let bad = || format!("value too great for base (error token is \"{tok}\")");
    if let Some((base, digits)) = tok.split_once('#') {
        let base: u32 = base.parse().map_err(|_| bad())?;
        if !(2..=64).contains(&base) {
            return Err(format!(
                "invalid arithmetic base (error token is \"{tok}\")"
            ));
        }
        let mut v: i64 = 0;
        for c in digits.chars() {
            let d = match c {
                '0'..='9' => c as u32 - '0' as u32,
                'a'..='z' => c as u32 - 'a' as u32 + 10,
                'A'..='Z' => {
                    if base <= 36 {
                        c as u32 - 'A' as u32 + 10
                    } else {
                        c as u32 - 'A' as u32 + 36
                    }
                }
                '@' => 62,
                '_' => 63,
                _ => return Err(bad()),
            };
            if d >= base {
                return Err(bad());
            }
            v = v.wrapping_mul(base as i64).wrapping_add(d as i64);
        }
        return Ok(v);
    }
    let (digits, base) = if let Some(h) = tok.strip_prefix("0x").or_else(|| tok.strip_prefix("0X"))
    {
        (h, 16)
    } else if tok.len() > 1 && tok.starts_with('0') {
        (&tok[1..], 8)
    } else {
        (tok, 10)
    };
    let mut v: i64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(base).ok_or_else(bad)?;
        v = v.wrapping_mul(base as i64).wrapping_add(d as i64);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[derive(Default)]
    struct Vars(HashMap<String, String>);

    impl ArithVars for Vars {
        fn arith_get(&mut self, name: &str, index: Option<i64>) -> String {
            let key = match index {
                Some(i) => format!("{name}[{i}]"),
                None => name.to_string(),
            };
            self.0.get(&key).cloned().unwrap_or_default()
        }
        fn arith_set(&mut self, name: &str, index: Option<i64>, value: i64) -> Result<(), String> {
            let key = match index {
                Some(i) => format!("{name}[{i}]"),
                None => name.to_string(),
            };
            self.0.insert(key, value.to_string());
            Ok(())
        }
    }

    fn ev(s: &str, v: &mut Vars) -> Result<i64, String> {
        eval(s, v).map_err(|e| e.message)
    }

    #[test]
    fn operators_and_precedence() {
        let mut v = Vars::default();
        assert_eq!(ev("1 + 2 * 3", &mut v), Ok(7));
        assert_eq!(ev("(1 + 2) * 3", &mut v), Ok(9));
        assert_eq!(ev("2 ** 10", &mut v), Ok(1024));
        assert_eq!(ev("7 % 3 == 1 && 4 > 2", &mut v), Ok(1));
        assert_eq!(ev("1 ? 2 : 3", &mut v), Ok(2));
        assert_eq!(ev("0x10 + 010 + 2#11", &mut v), Ok(16 + 8 + 3));
        assert_eq!(ev("-3 / 2", &mut v), Ok(-1));
        assert_eq!(ev("~0", &mut v), Ok(-1));
        assert_eq!(ev("1 << 4 | 1", &mut v), Ok(17));
        assert!(ev("1 / 0", &mut v).is_err());
        assert!(ev("1 +", &mut v).is_err());
        assert_eq!(ev("2 ** 9999999999999", &mut v), Ok(0));
        let deep = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(ev(&deep, &mut v).is_err());
        assert!(ev(&format!("{}1", "- ".repeat(100_000)), &mut v).is_err());
        assert!(ev(&format!("{}1", "2 ** ".repeat(100_000)), &mut v).is_err());
    }

    #[test]
    fn variables_and_assignment() {
        let mut v = Vars::default();
        assert_eq!(ev("n++", &mut v), Ok(0));
        assert_eq!(ev("n", &mut v), Ok(1));
        assert_eq!(ev("++n + 1", &mut v), Ok(3));
        assert_eq!(ev("a[n] = 5", &mut v), Ok(5));
        assert_eq!(v.0.get("a[2]").map(String::as_str), Some("5"));
        assert_eq!(ev("x += 4, x *= 2", &mut v), Ok(8));
        v.0.insert("e".into(), "x + 1".into());
        assert_eq!(ev("e * 2", &mut v), Ok(18));
        assert_eq!(ev("0 && (y = 1)", &mut v), Ok(0));
        assert_eq!(v.0.get("y"), None);
        v.0.insert("r".into(), "r".into());
        assert!(ev("r", &mut v).is_err());
    }
}
