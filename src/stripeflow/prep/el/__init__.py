"""The Data Prep expression language: a Java/JEXL-flavoured EL compiled once, evaluated per record.

>>> compile_expression("data.amount / 100").evaluate({"data": {"amount": 1250}})
12
"""

from stripeflow.prep.el.compiler import MAX_EXPRESSION_LENGTH, Expression, compile_expression, validate_expression
from stripeflow.prep.el.context import EvalContext
from stripeflow.prep.el.errors import EvaluationError, ExpressionError
from stripeflow.prep.el.functions import FUNCTIONS, FunctionInfo
from stripeflow.prep.el.lexer import KEYWORDS as RESERVED_WORDS
from stripeflow.prep.el.operators import OPERATORS, OperatorInfo

__all__ = [
    "FUNCTIONS",
    "MAX_EXPRESSION_LENGTH",
    "OPERATORS",
    "RESERVED_WORDS",
    "EvalContext",
    "EvaluationError",
    "Expression",
    "ExpressionError",
    "FunctionInfo",
    "OperatorInfo",
    "compile_expression",
    "validate_expression",
]
