{#-
    The raw data contract is written once, in the sources files
    (models/staging/<source>/_<source>__sources.yml): every raw table with its columns in file
    order, each column's type under config.meta.type (text | double | money | power_factor |
    integer | boolean | date | timestamp | month), and the table's grain under config.meta.grain.
    powerlens/contract.py reads the same files for the generator, the preflight and the gate;
    staging reads them here, from dbt's graph (only filled when dbt executes, not while parsing).
-#}

{#- The sources node (graph.sources) a base model reads: by the relation's schema and name, else
    by the one source the model reads. -#}
{% macro staging_contract_source(source_relation) %}
    {% for node in graph.sources.values() %}
        {% if node.schema == source_relation.schema and node.identifier == source_relation.identifier %}
            {% do return(node) %}
        {% endif %}
    {% endfor %}
    {% if model.sources | length == 1 %}
        {% set source_name, table_name = model.sources[0] %}
        {% for node in graph.sources.values() %}
            {% if node.source_name == source_name and node.name == table_name %}
                {% do return(node) %}
            {% endif %}
        {% endfor %}
    {% endif %}
    {% do exceptions.raise_compiler_error("staging_checked_rows in " ~ model.name
        ~ ": cannot find the source of " ~ source_relation ~ " in the raw contract (the sources yml)") %}
{% endmacro %}

{#- A base model's column specs against the contract: the same columns in the same order, the
    same grain, the same types (a spec without a type is text). The specs keep their types
    because a dbt unit test compiles the model with no sources in its graph; every build checks
    them here. Does nothing while parsing (the graph is not filled yet) or in a unit test. -#}
{% macro staging_assert_columns_match_contract(source_relation, columns, unique_keys) %}
    {% if not execute or model.resource_type == 'unit_test' %}
        {% do return(none) %}
    {% endif %}
    {% if not graph.get('sources') %}
        {% do exceptions.raise_compiler_error(model.name ~ ": no sources in dbt's graph to check the"
            ~ " staging columns against the raw contract") %}
    {% endif %}
    {% set node = staging_contract_source(source_relation) %}
    {% set table = node.source_name ~ '.' ~ node.name %}
    {% set where = model.name ~ ' (raw table ' ~ table ~ ', contract in ' ~ node.original_file_path ~ ')' %}
    {% set contract_names = node.columns.keys() | list %}
    {% set spec_names = [] %}
    {% for column in columns %}{% do spec_names.append(column['name']) %}{% endfor %}
    {% for name in contract_names if name not in spec_names %}
        {% do exceptions.raise_compiler_error(where ~ ": contract column " ~ name
            ~ " is missing from the base model's column list") %}
    {% endfor %}
    {% for name in spec_names if name not in contract_names %}
        {% do exceptions.raise_compiler_error(where ~ ": column " ~ name
            ~ " is not in the contract; add it to the sources yml first") %}
    {% endfor %}
    {% if spec_names != contract_names %}
        {% do exceptions.raise_compiler_error(where ~ ": columns are listed as " ~ spec_names | join(', ')
            ~ "; the contract's order is " ~ contract_names | join(', ')) %}
    {% endif %}
    {% set grain = node.meta.get('grain', []) | list %}
    {% if unique_keys[0] | list != grain %}
        {% do exceptions.raise_compiler_error(where ~ ": the first unique key " ~ unique_keys[0] | join(', ')
            ~ " is not the contract's grain " ~ grain | join(', ')) %}
    {% endif %}
    {% set known_types = staging_column_types() %}
    {% for column in columns %}
        {% set contract_type = node.columns[column['name']].meta.get('type') %}
        {% if contract_type not in known_types %}
            {% do exceptions.raise_compiler_error(where ~ ": contract column " ~ column['name']
                ~ " has type " ~ contract_type ~ "; config.meta.type must be one of " ~ known_types.keys() | join(', ')) %}
        {% endif %}
        {% if column.get('type', 'text') != contract_type %}
            {% do exceptions.raise_compiler_error(where ~ ": column " ~ column['name'] ~ " is typed "
                ~ column.get('type', 'text') ~ " in the base model but " ~ contract_type ~ " in the contract") %}
        {% endif %}
    {% endfor %}
{% endmacro %}

{#- The raw tables of the contract, as (source, table), from the sources in models/staging. -#}
{% macro staging_contract_tables() %}
    {% set tables = [] %}
    {% for node in graph.sources.values() if node.original_file_path.startswith('models/staging/') %}
        {% do tables.append((node.source_name, node.name)) %}
    {% endfor %}
    {% do return(tables) %}
{% endmacro %}

{#- The key pattern of each column that has one, for the base model reading source_relation: the
    contract's config.meta.key_pattern (the sources yml), overridden by var `key_patterns`
    ({'<table>.<column>': '<regex>'}; an empty regex turns the check off). A non-empty trimmed key
    that does not fully match is rejected (rule bad_key): 'NULL', 'N/A', '-', Excel's 1.2E+10.
    Empty in a unit test (no sources in the graph) and while parsing. -#}
{% macro staging_key_patterns(source_relation) %}
    {% set patterns = {} %}
    {% if execute and model.resource_type != 'unit_test' and graph.get('sources') %}
        {% set node = staging_contract_source(source_relation) %}
        {% for name, column in node.columns.items() if column.meta.get('key_pattern') %}
            {% do patterns.update({name: column.meta['key_pattern']}) %}
        {% endfor %}
        {% for key, pattern in var('key_patterns', {}).items() %}
            {% set parts = key.split('.') %}
            {% if parts | length != 2 %}
                {% do exceptions.raise_compiler_error("var key_patterns: '" ~ key ~ "' must be <table>.<column>") %}
            {% endif %}
            {% if parts[0] == node.name %}
                {% if parts[1] not in node.columns.keys() | list %}
                    {% do exceptions.raise_compiler_error("var key_patterns: " ~ key ~ " is not a column of the raw contract") %}
                {% endif %}
                {% if pattern %}
                    {% do patterns.update({parts[1]: pattern}) %}
                {% elif parts[1] in patterns %}
                    {% do patterns.pop(parts[1]) %}
                {% endif %}
            {% endif %}
        {% endfor %}
    {% endif %}
    {% do return(patterns) %}
{% endmacro %}
