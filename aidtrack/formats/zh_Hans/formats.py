# Django's zh-Hans locale groups digits by four with no separator; Chinese
# finance and statistics reports write 50,400.00万元, so we do too.
DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
