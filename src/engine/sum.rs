//! Neumaier (improved Kahan) summation: sums over a million lines stay
//! accurate to well under 1e-9 relative (ratios.md preamble).

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sum {
    sum: f64,
    compensation: f64,
}

impl Sum {
    pub fn add(&mut self, value: f64) {
        let t = self.sum + value;
        if self.sum.abs() >= value.abs() {
            self.compensation += (self.sum - t) + value;
        } else {
            self.compensation += (value - t) + self.sum;
        }
        self.sum = t;
    }

    /// The sum times `k`, its compensation scaled with it.
    pub fn scaled(self, k: f64) -> Sum {
        Sum {
            sum: self.sum * k,
            compensation: self.compensation * k,
        }
    }

    pub fn value(self) -> f64 {
        self.sum + self.compensation
    }

    pub fn of(values: impl IntoIterator<Item = f64>) -> f64 {
        let mut s = Sum::default();
        for v in values {
            s.add(v);
        }
        s.value()
    }
}

#[cfg(test)]
mod tests {
    use super::Sum;

    #[test]
    fn keeps_small_terms_that_naive_summation_loses() {
        let values = [1e16, 1.0, -1e16, 1.0];
        assert_eq!(Sum::of(values), 2.0);
        assert_ne!(values.iter().sum::<f64>(), 2.0);
    }
}
